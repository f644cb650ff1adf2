"""The one error type the tool raises for problems a user can fix.

Every message names the file it is about and the cause, so the CLI can print
it as one line (``path: cause``) instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path


class RecognizerError(Exception):
    """A user-facing failure tied to one input, model or data file."""

    def __init__(self, path: str | Path | None, message: str) -> None:
        self.path = None if path is None else str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}" if self.path else message)
