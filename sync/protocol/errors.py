"""The error tree shared by the sync engines and the server.

Every error carries a stable ``code`` (for the UI, which turns it into a translated
message) and an English ``detail`` (for logs and the command line). One made by ``worded`` also
keeps the words of its detail apart from its values (``text``, ``values``), so that whoever shows
it to a person can say it in the reader's language; nothing here translates. The split between
retryable and permanent errors decides what the engines do next:

    SyncError
    ├── RetryableError      network down, timeout, 5xx, 429: try again later
    │   └── ServerBusyError carries the server's Retry-After
    ├── AuthError           401/403 or bad credentials: sign in again
    ├── RejectedError       the server refused a record, with its reason
    ├── IntegrityError      wrong hash, bad signature, tampered or truncated data
    ├── FormatError         malformed JSON, unknown format version, bad field
    ├── UnsafePathError     a path from a package escapes its folder
    ├── StorageError        full disk, unwritable folder
    └── CancelledError      the user cancelled; not a failure
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self


class SyncError(Exception):
    """Base of every error the sync layer raises on purpose."""

    code = "sync_error"
    text = ""
    """The words to say it to a person in (English, ``%(name)s`` or ``%(name)r`` where ``values`` go): the
    detail's own when made ``worded``, or given by whoever caught it; "" when only the detail says it."""
    values: Mapping[str, str | int] = {}

    def __init__(self, code: str | None = None, detail: str = "") -> None:
        if code:
            self.code = code
        self.detail = detail or self.code
        super().__init__(self.detail)

    @classmethod
    def worded(cls, code: str, text: str, /, **values: str | int) -> Self:
        """The error ``code`` whose detail is ``text`` with ``values`` put in (``text % values``)."""
        error = cls(code, text % values if values else text)
        error.text, error.values = text, values
        return error


class RetryableError(SyncError):
    code = "network"


class ServerBusyError(RetryableError):
    code = "server_busy"

    def __init__(self, code: str | None = None, detail: str = "", retry_after_s: float | None = None) -> None:
        super().__init__(code, detail)
        self.retry_after_s = retry_after_s


class AuthError(SyncError):
    code = "auth"


class RejectedError(SyncError):
    code = "rejected"


class IntegrityError(SyncError):
    code = "integrity"


class FormatError(SyncError):
    code = "format"


class UnsafePathError(SyncError):
    code = "unsafe_path"


class StorageError(SyncError):
    code = "storage"


class CancelledError(SyncError):
    code = "cancelled"
