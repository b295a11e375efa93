"""Use cases and rules. Importing any service links new history events into their hash chain."""

from app.services import chain as _chain  # noqa: F401  (registers the before_flush listener)
