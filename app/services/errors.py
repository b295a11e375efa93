"""Domain errors for the services (the class lives in app.errors so the store can raise it too)."""

from app.errors import DomainError

__all__ = ["DomainError"]
