"""The one error type every layer raises for a broken rule: its message is Chinese, shown as is."""


class DomainError(Exception):
    """A rule was broken; the message is Chinese and shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
