"""Thin launcher: `python main.py` does what the `taizhang` command does."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
