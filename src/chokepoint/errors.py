"""One rooted exception hierarchy for chokepoint.

Every error the package raises on purpose derives from :class:`ChokepointError`.
Subclasses carry the context a user needs to fix the problem (file, row,
column) and the CLI and API turn them into one clean message shape. Each class
carries its HTTP status (``http_status``, used by the API) and its exit status
(``exit_code``, used by the CLI), so neither adapter needs an isinstance chain.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of validation, located as precisely as the input allows.

    Parameters
    ----------
    source : str
        File name or ``workbook.xlsx[sheet]`` the problem was found in.
    row : int or None
        1-based row number as a spreadsheet shows it (the header is row 1,
        the first data row is row 2); for JSON the 1-based record number.
        ``None`` for problems of a whole file.
    column : str or None
        Column (field) name, ``None`` for problems of a whole row or file.
    reason : str
        What is wrong and how to fix it.
    severity : {"error", "warning"}
        Errors block an import; warnings are reported and do not.
    code : str
        Stable machine-readable code, e.g. ``unknown_reference``.
    """

    source: str
    row: int | None
    column: str | None
    reason: str
    severity: Severity = "error"
    code: str = "invalid"

    def location(self) -> str:
        """Return where the problem is: ``source, row 3, column 'share'`` (the parts known)."""
        parts = [self.source]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        """Return ``severity: location: reason``, the line a user reads."""
        return f"{self.severity}: {self.location()}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        """Return the problem's fields as a JSON-ready dict."""
        return asdict(self)


class ChokepointError(Exception):
    """Base class of every error chokepoint raises on purpose.

    Attributes
    ----------
    code : str
        Stable machine-readable code of the error's JSON shape.
    http_status : int
        The status the API answers with.
    exit_code : int
        The exit status of the command line (1: the data or the store; 2: the usage).
    """

    code = "error"
    http_status = 400
    exit_code = 1

    def to_dict(self) -> dict[str, Any]:
        """Return the error's JSON shape: ``code``, ``message`` and ``details``."""
        return {"code": self.code, "message": str(self), "details": {}}


#: the most problems an error's JSON lists (a file with millions of bad rows still answers fast)
MAX_REPORTED_PROBLEMS = 1000


class ChainValidationError(ChokepointError):
    """A chain map (file, folder, workbook or tables) failed validation.

    ``problems`` lists every error found (all at once, not the first only);
    ``warnings`` lists findings that did not block.
    """

    code = "validation_error"
    http_status = 422

    def __init__(
        self, problems: list[Problem], warnings: list[Problem] | None = None, problem_count: int | None = None
    ):
        self.problems = list(problems)
        self.warnings = list(warnings or [])
        #: How many problems there are in all (more than listed when the checker listed only the first).
        self.problem_count = max(problem_count or 0, len(self.problems))
        n = self.problem_count
        head = f"{n:,} problem{'s' if n != 1 else ''} found; nothing was imported"
        lines = [head, *(f"  {p}" for p in self.problems[:200])]
        if n > min(200, len(self.problems)):
            lines.append(f"  ... and {n - min(200, len(self.problems)):,} more")
        super().__init__("\n".join(lines))

    def to_dict(self) -> dict[str, Any]:
        """Return the error's JSON shape: the message's first line and, in ``details``, the first
        :data:`MAX_REPORTED_PROBLEMS` problems with ``problem_count`` (all of them) beside.
        """
        shown = self.problems[:MAX_REPORTED_PROBLEMS]
        return {
            "code": self.code,
            "message": str(self).splitlines()[0]
            + (
                f" (the first {len(shown):,} of {self.problem_count:,} are listed)"
                if len(shown) < self.problem_count
                else ""
            ),
            "details": {"problems": [p.to_dict() for p in shown], "problem_count": self.problem_count},
        }


class InputFileError(ChokepointError):
    """A file could not be read at all (missing, empty, wrong encoding or format)."""

    code = "input_file_error"
    http_status = 422

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class NotFoundError(ChokepointError):
    """A named thing (scenario, task, alert, snapshot, user, node) does not exist."""

    code = "not_found"
    http_status = 404


class ProjectNotFoundError(NotFoundError):
    """A named project does not exist in the store."""

    code = "project_not_found"

    def __init__(self, name: str, available: list[str] | None = None):
        self.name = name
        hint = ""
        if available:
            hint = f"; projects in this store: {', '.join(sorted(available))}"
        else:
            hint = "; the store holds no project yet (try `chokepoint demo` or `chokepoint import`)"
        super().__init__(f"no project named {name!r}{hint}")


class ProjectExistsError(ChokepointError):
    """A project name is already taken."""

    code = "project_exists"
    http_status = 409

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"a project named {name!r} already exists; choose another name")


class UsageError(ChokepointError):
    """An argument or option has a value the command cannot use."""

    code = "usage_error"
    http_status = 422
    exit_code = 2


class ReportRejectedError(ChainValidationError):
    """A reported file or batch (data, rules, profiles) had errors: nothing of it was stored."""

    code = "report_rejected"


class AccessDeniedError(ChokepointError):
    """The user may not do this (a role or a reporter binding does not allow it)."""

    code = "forbidden"
    http_status = 403


class ConflictError(ChokepointError):
    """The request conflicts with the current state (e.g. a job that has not finished)."""

    code = "conflict"
    http_status = 409


class AuthenticationError(ChokepointError):
    """The user name or password is wrong (the message never says which)."""

    code = "unauthenticated"
    http_status = 401


class TimeLimitError(ChokepointError):
    """A write (import, upload, dataset load) passed its time limit; nothing was stored."""

    code = "time_limit"
    http_status = 422

    def __init__(self, message: str, seconds: float):
        super().__init__(message)
        self.seconds = seconds

    def to_dict(self) -> dict[str, Any]:
        """The error's JSON shape, with ``details.limit_seconds``."""
        return {"code": self.code, "message": str(self), "details": {"limit_seconds": self.seconds}}


class RetryLaterError(ChokepointError):
    """Refused for now: the caller may retry after ``retry_after`` seconds (the API also sends
    a ``Retry-After`` header).
    """

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        """The error's JSON shape, with ``details.retry_after`` (seconds)."""
        return {"code": self.code, "message": str(self), "details": {"retry_after": self.retry_after}}


class TooManyAttemptsError(RetryLaterError):
    """Too many failed logins for this account or address: try again after ``retry_after`` seconds."""

    code = "too_many_attempts"
    http_status = 429


class ServerBusyError(RetryLaterError):
    """The server runs as many heavy writes (imports, uploads, dataset loads, task saves) as it
    allows and none finished within the wait: try again after ``retry_after`` seconds.

    Answered 429 (throttled, like a failed-login lockout), not 503: the server works, it refuses
    more heavy work at once, and a client's retry after ``Retry-After`` is expected to succeed.
    """

    code = "busy"
    http_status = 429


class BundleRefusedError(ChokepointError):
    """An exchange bundle was refused: unknown sender, bad signature, wrong receiver or format,
    or a sequence already merged with other content. Nothing of it was merged.
    """

    code = "bundle_refused"
    http_status = 403


class BundleGapError(ChokepointError):
    """A bundle came before the ones it follows: the receiver expects sequence ``expected``
    (the sender resends from there).
    """

    code = "bundle_gap"
    http_status = 409

    def __init__(self, message: str, expected: int):
        super().__init__(message)
        self.expected = expected

    def to_dict(self) -> dict[str, Any]:
        """The error's JSON shape, with ``details.expected`` (the sequence the receiver awaits)."""
        return {"code": self.code, "message": str(self), "details": {"expected": self.expected}}
