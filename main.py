"""Thin launcher: `python main.py` does what the `taizhang` command does."""

import sys
from multiprocessing import freeze_support

from app.cli import main

if __name__ == "__main__":
    freeze_support()  # a frozen (PyInstaller) build starts import workers through this executable
    sys.exit(main())
