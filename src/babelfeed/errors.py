"""Failures a user can act on, each with the exit code a command ends with.

A broken environment (a damaged file, a full disk, a folder babelfeed may not write, an object
store it cannot reach, a setting it cannot use, a model it cannot install) is not a bug: the
user needs one line that says what happened and what to do, and a script needs an exit code it
can branch on. Every such failure is a `BabelfeedError`. The environment raises its own errors
(OSError, SQLite, pyarrow's S3 client) deep inside libraries and worker processes;
`explain` recognises them wherever they surface and words them once, here, so the command line,
the flows and the task retries agree on what is a bug and what is not.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator

#: Exit codes, as the README documents them.
EXIT_PROBLEMS = 1  # `babelfeed check` found problems; or an unexpected error (a bug)
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_DAMAGED = 4
EXIT_STORAGE = 5
EXIT_MODEL = 6
EXIT_INTERRUPTED = 130


def debugging() -> bool:
    """Whether failures show their traceback (`babelfeed --debug`, or BABELFEED_DEBUG=1, which
    worker processes inherit)."""
    return os.environ.get("BABELFEED_DEBUG", "").lower() in ("1", "true", "yes")


class BabelfeedError(Exception):
    """A failure whose message says what happened and what to do next."""

    exit_code = EXIT_PROBLEMS
    #: Whether trying the same work again soon may succeed (a retried task, a network blip).
    transient = False


class SettingError(BabelfeedError):
    """A setting or argument babelfeed cannot use."""

    exit_code = EXIT_USAGE


class WarehouseLockedError(BabelfeedError):
    """Another run holds the warehouse; the message names it."""

    exit_code = EXIT_LOCKED


class WarehouseDamagedError(BabelfeedError):
    """A file of the warehouse (a table file, the ledger, a state file) cannot be read."""

    exit_code = EXIT_DAMAGED

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(path, detail)  # both in args: the error survives pickling to the flow
        self.path = path
        self.detail = detail

    def __str__(self) -> str:
        return (
            f"{self.path} is damaged ({self.detail}): run `babelfeed repair` to move it aside and "
            "re-ingest what it held, then run this command again"
        )


class WarehouseTooNewError(BabelfeedError):
    """A file of the warehouse was written by a newer babelfeed: upgrade, do not repair."""

    exit_code = EXIT_DAMAGED


class StorageError(BabelfeedError):
    """The disk is full, a folder may not be written, the object store cannot be reached."""

    exit_code = EXIT_STORAGE

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message, transient)
        self.transient = transient

    def __str__(self) -> str:
        return str(self.args[0])


class ModelError(BabelfeedError):
    """A translation model is missing or cannot be installed."""

    exit_code = EXIT_MODEL


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and the ones it was raised from or while handling, outermost first."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


def _errno(exc: BaseException) -> int | None:
    """The OS error number, also where pyarrow only writes it into the message."""
    code = getattr(exc, "errno", None)
    if isinstance(code, int):
        return code
    text = str(exc)
    for code, phrases in (
        (errno.ENOSPC, ("No space left on device", "database or disk is full")),
        (errno.EDQUOT, ("Disk quota exceeded",)),
        (errno.EROFS, ("Read-only file system", "readonly database")),
        (errno.EACCES, ("Permission denied",)),
    ):
        if any(p in text for p in phrases):
            return code
    if isinstance(exc, sqlite3.Error):
        return {"SQLITE_FULL": errno.ENOSPC, "SQLITE_READONLY": errno.EROFS,
                "SQLITE_PERM": errno.EACCES}.get(getattr(exc, "sqlite_errorname", ""))
    return None


def _object_store(exc: BaseException) -> StorageError | None:
    """pyarrow's S3 client says `AWS Error <KIND> during <operation>`."""
    text = str(exc)
    if "AWS Error" not in text:
        return None
    if "ACCESS_DENIED" in text or "INVALID_ACCESS_KEY" in text or "SIGNATURE" in text:
        return StorageError(
            f"the object store refused access ({text}); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY "
            "and the bucket's permissions"
        )
    if "NO_SUCH_BUCKET" in text:
        return StorageError(f"the bucket does not exist ({text}); create it or fix --warehouse")
    return StorageError(
        f"cannot reach the object store ({text}); check AWS_ENDPOINT_URL, AWS_REGION and the network, "
        "then run the same command again: nothing already written is lost",
        transient=True,
    )


def explain(exc: BaseException, where: str = "") -> BabelfeedError | None:
    """`exc` as a failure the user can act on, or None when it is not one (a bug).

    `where` names what was being written (the warehouse) for errors that do not name a file.
    """
    from pydantic import ValidationError

    for e in _chain(exc):
        if isinstance(e, BabelfeedError):
            return e
        if isinstance(e, ValidationError):
            problems = "; ".join(
                f"BABELFEED_{'_'.join(map(str, p['loc'])).upper()}={p.get('input')!r}: {p['msg']}" for p in e.errors()
            )
            return SettingError(f"invalid setting: {problems}")
        if not isinstance(e, OSError | sqlite3.Error):
            continue
        found = _object_store(e)
        if found is not None:
            return found
        code = _errno(e)
        target = getattr(e, "filename", None) or where
        on = f" ({target})" if target else ""
        if code in _NO_SPACE:
            return StorageError(
                f"no space left on the device{on}: free some space (or set BABELFEED_WAREHOUSE / "
                "BABELFEED_STATE_DIR to a larger disk) and run the same command again; nothing already "
                "written is lost"
            )
        if code in _DENIED:
            reason = "read-only file system" if code == errno.EROFS else "permission denied"
            return StorageError(
                f"{reason}{on}: give the user running babelfeed ({_user()}) write access to the warehouse "
                "and its _state folder, or choose another with --warehouse / BABELFEED_STATE_DIR"
            )
    return None


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return f"uid {os.getuid()}"
