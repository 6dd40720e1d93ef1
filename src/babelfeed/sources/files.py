"""Text and HTML files on a local disk."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from babelfeed.article import Reject, RejectReason, SourceItem, SourceRef

SUPPORTED_SUFFIXES: dict[str, str] = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
}


class SourceNotFoundError(FileNotFoundError):
    """A path the user named does not exist; nothing has been read or written."""


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    found: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise SourceNotFoundError(
                f"{path} does not exist: pass an existing file or folder of .txt/.html files"
            )
        if path.is_dir():
            for candidate in path.rglob("*"):
                rel = candidate.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if candidate.suffix.lower() in SUPPORTED_SUFFIXES and not candidate.is_dir():
                    found.add(candidate.resolve())
        else:
            found.add(path.resolve())
    return sorted(found)


def describe(path: Path) -> SourceRef:
    """A reference to one file: its URI, and size and mtime as the change fingerprint."""
    try:
        stat = path.stat()
        fingerprint, observed = f"{stat.st_size}:{stat.st_mtime_ns}", datetime.fromtimestamp(stat.st_mtime, UTC)
    except OSError:
        fingerprint, observed = "unreadable", datetime.now(UTC)
    return SourceRef(uri=path.as_uri(), location=str(path), fingerprint=fingerprint, observed_at=observed)


def discover(paths: Iterable[str | Path]) -> list[SourceRef]:
    """Expand files and folders into sorted, de-duplicated references.

    Folders are searched recursively for supported suffixes (hidden entries skipped). A file
    named explicitly is kept whatever its suffix, so that a wrong one becomes a visible reject
    rather than a silent skip.
    """
    return [describe(path) for path in _expand(paths)]


def read(ref: SourceRef, max_bytes: int) -> SourceItem | Reject:
    """Read one file, or say in a reject why it cannot be read."""
    path = Path(ref.location)

    def reject(reason: RejectReason, detail: str) -> Reject:
        return Reject(ref.uri, reason, detail, observed_at=ref.observed_at, stage="read")

    media_type = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if media_type is None:
        return reject(
            RejectReason.UNSUPPORTED,
            f"suffix {path.suffix or '(none)'!r} is not one of {sorted(SUPPORTED_SUFFIXES)}",
        )
    try:
        if not path.is_file():
            return reject(RejectReason.UNREADABLE, "not a regular file")
        size = path.stat().st_size
        if size > max_bytes:
            return reject(
                RejectReason.TOO_LARGE,
                f"{size} bytes exceeds the cap of {max_bytes}; raise BABELFEED_MAX_BYTES to accept it",
            )
        content = path.read_bytes()
    except OSError as exc:
        return reject(RejectReason.UNREADABLE, f"{type(exc).__name__}: {exc}")
    if not content.strip():
        return reject(RejectReason.EMPTY, "file is empty or only whitespace")
    return SourceItem(uri=ref.uri, kind="file", content=content, observed_at=ref.observed_at, media_type=media_type)
