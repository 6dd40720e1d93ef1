"""Files on a local disk: single articles (.txt, .html) and containers (.warc, .jsonl)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from babelfeed.article import LedgerEntry, Reject, RejectReason, Shard, SourceItem, SourceRef
from babelfeed.sources.reading import Reading

SUPPORTED_SUFFIXES: dict[str, str] = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".warc": "application/warc",
    ".warc.gz": "application/warc",
    ".jsonl": "application/jsonl",
    ".jsonl.gz": "application/jsonl",
}


class SourceNotFoundError(FileNotFoundError):
    """A path the user named does not exist; nothing has been read or written."""


def suffix_of(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def require_existing(paths: Iterable[str | Path]) -> list[Path]:
    """The paths, or SourceNotFoundError for the first that does not exist (nothing is walked)."""
    checked = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise SourceNotFoundError(
                f"{path} does not exist: pass an existing file or folder, or an http(s) URL"
            )
        checked.append(path)
    return checked


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    found: set[Path] = set()
    for path in require_existing(paths):
        if path.is_dir():
            for candidate in path.rglob("*"):
                rel = candidate.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                # A folder or a pipe with an article's name is kept, to be rejected visibly.
                if suffix_of(candidate) in SUPPORTED_SUFFIXES:
                    found.add(candidate.absolute())
        else:
            found.add(path.absolute())
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


def read_file(ref: SourceRef, max_bytes: int, known: LedgerEntry | None) -> Reading:
    """Read one file; `known` (the ledger's entry) lets unchanged bytes short-circuit."""
    path = Path(ref.location)

    def reject(reason: RejectReason, detail: str, digest: str | None = None) -> Reading:
        return Reading([Reject(ref.uri, reason, detail, ref.observed_at, "read", digest)], digest, ref.fingerprint)

    suffix = suffix_of(path)
    media_type = SUPPORTED_SUFFIXES.get(suffix)
    if media_type is None:
        return reject(RejectReason.UNSUPPORTED, f"suffix {suffix or '(none)'!r} is not one of {sorted(SUPPORTED_SUFFIXES)}")
    try:
        if not path.is_file():
            kind = "a folder" if path.is_dir() else "not a regular file (a pipe, socket or device?)"
            return reject(RejectReason.UNREADABLE, f"expected a file, found {kind}")
        if media_type in ("application/warc", "application/jsonl"):
            # Containers are hashed and split when the run is planned (`incremental.work_units`);
            # here one shard (the whole file when none is given) is streamed record by record.
            from babelfeed.sources import shards  # it uses suffix_of: imported here, not above

            shard_ref = ref if ref.shard is not None else replace(ref, shard=Shard(0, 0, None))
            return Reading(shards.read_shard(shard_ref, max_bytes), None, ref.fingerprint, container=True)
        size = path.stat().st_size
        if size > max_bytes:
            return reject(RejectReason.TOO_LARGE, f"{size} bytes exceeds the cap of {max_bytes}; "
                          "raise BABELFEED_MAX_BYTES to accept it")
        content = path.read_bytes()
    except OSError as exc:
        return reject(RejectReason.UNREADABLE, f"{type(exc).__name__}: {exc}")
    digest = hashlib.sha256(content).hexdigest()
    if known and known.content_hash == digest:
        return Reading([], digest, ref.fingerprint, unchanged=True)
    if not content.strip():
        return reject(RejectReason.EMPTY, "file is empty or only whitespace", digest)
    item = SourceItem(uri=ref.uri, kind="file", content=content, observed_at=ref.observed_at, media_type=media_type)
    return Reading([item], digest, ref.fingerprint)
