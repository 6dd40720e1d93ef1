"""Deciding what a run has to do: new and changed inputs, within a window, as units of work.

An input whose fingerprint (size and mtime for files) matches the ledger is skipped without
being read. One whose fingerprint changed is read and hashed in its batch; if the bytes are
the same it is still skipped (a `touch` or a copy costs one hash, not a translation).

The work is cut into units a worker takes whole: a batch of small inputs, or one shard of a
container file (WARC, JSONL). Units are produced lazily, so a run never lists its records:
a container is hashed and split into shards (one streaming pass) only when its turn comes,
and a container whose ledger entry says some shards are already committed resumes at the
first shard that is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from babelfeed.article import BatchResult, LedgerEntry, Outcome, Shard, SourceRef
from babelfeed.sources.files import SUPPORTED_SUFFIXES, suffix_of

CONTAINER_TYPES = ("application/warc", "application/jsonl")


@dataclass(frozen=True)
class Window:
    """Inclusive range of observed dates (UTC) a backfill replays."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"window end {self.end} is before its start {self.start}")

    def contains(self, ref: SourceRef) -> bool:
        return self.start <= ref.observed_at.date() <= self.end


@dataclass
class Plan:
    todo: list[SourceRef]
    known: dict[str, LedgerEntry]  # ledger entries of the inputs in `todo`, where they exist
    discovered: int
    unchanged: int
    outside_window: int
    force: bool = False  # reprocess even inputs whose bytes match the ledger (backfills)


def plan(
    refs: list[SourceRef],
    ledger: dict[str, LedgerEntry],
    window: Window | None = None,
    force: bool = False,
) -> Plan:
    """Split discovered inputs into work to do and inputs already ingested as they are."""
    todo, unchanged, outside = [], 0, 0
    for ref in refs:
        if window is not None and not window.contains(ref):
            outside += 1
            continue
        entry = ledger.get(ref.uri)
        if not force and entry is not None and entry.fingerprint == ref.fingerprint and entry.complete:
            unchanged += 1
            continue
        todo.append(ref)
    known = {ref.uri: ledger[ref.uri] for ref in todo if ref.uri in ledger}
    return Plan(todo, known, len(refs) - outside, unchanged, outside, force)


@dataclass(frozen=True)
class WorkUnit:
    """What one task processes: a batch of inputs, or one shard of a container."""

    refs: tuple[SourceRef, ...]
    known: dict[str, LedgerEntry] = field(default_factory=dict)  # previous entries of `refs`
    #: For a shard: the container's ledger entry with this shard done, recorded once the
    #: shard's rows are committed.
    container: LedgerEntry | None = None
    size: float = 0.0  # bytes of input this unit stands for (progress and ETA)


def is_container(ref: SourceRef) -> bool:
    return ref.kind == "file" and SUPPORTED_SUFFIXES.get(suffix_of(Path(ref.location))) in CONTAINER_TYPES


def container_of(uri: str) -> str | None:
    """The container a record's `source_uri` names (`file:///x.warc.gz#<record>` ->
    `file:///x.warc.gz`, also for a WARC fetched by URL), or None for any other input (a
    URL's own `#fragment` included)."""
    head, mark, _ = uri.partition("#")
    if not mark:
        return None
    path = Path(urlsplit(head).path)
    return head if SUPPORTED_SUFFIXES.get(suffix_of(path)) in CONTAINER_TYPES else None


def file_size(ref: SourceRef) -> int:
    """Bytes of a file input, from its fingerprint (`size:mtime`); 0 when unknown (URLs)."""
    head = ref.fingerprint.split(":", 1)[0]
    return int(head) if head.isdigit() else 0


def work_units(work: Plan, batch_size: int, run_id: str) -> Iterator[WorkUnit | BatchResult]:
    """The plan's work in units: batches of `batch_size` inputs, and container shards of
    `batch_size` records. A container found unchanged by its hash yields a finished
    `BatchResult` (its ledger entry, refreshed) instead of a unit."""
    batch: list[SourceRef] = []
    for ref in work.todo:
        if is_container(ref):
            yield from _container_units(ref, work.known.get(ref.uri), batch_size, run_id, work.force)
            continue
        batch.append(ref)
        if len(batch) == batch_size:
            yield _batch(batch, work)
            batch = []
    if batch:
        yield _batch(batch, work)


def _batch(refs: list[SourceRef], work: Plan) -> WorkUnit:
    return WorkUnit(
        tuple(refs), {r.uri: work.known[r.uri] for r in refs if r.uri in work.known},
        size=float(sum(file_size(r) for r in refs)),
    )


def _container_units(
    ref: SourceRef, previous: LedgerEntry | None, batch_size: int, run_id: str, force: bool
) -> Iterator[WorkUnit | BatchResult]:
    from babelfeed.sources.shards import scan

    started = (  # an earlier run split this container and committed some of its shards
        not force and previous is not None and previous.outcome == "container"
        and bool(previous.shard_starts)
    )
    if started and previous.fingerprint == ref.fingerprint:
        found, same_bytes = None, True  # resume without reading the file again
    else:
        found = scan(Path(ref.location), batch_size)  # an unreadable file: one shard, rejected
        same_bytes = not force and previous is not None and found.content_hash == previous.content_hash
        if same_bytes and previous.complete:  # touched or copied, same bytes: nothing to do
            done = BatchResult(ledger=[replace(previous, fingerprint=ref.fingerprint, run_id=run_id)])
            done.outcomes[Outcome.UNCHANGED] += 1
            yield done
            return
    if started and same_bytes:  # the same boundaries, so the shards done stay done
        content_hash, starts, lines = previous.content_hash, previous.shard_starts, previous.shard_lines
        done_shards = set(previous.shards_done)
    else:
        content_hash = found.content_hash
        starts = tuple(s.start for s in found.shards)
        lines = tuple(s.first_line for s in found.shards)
        done_shards = set()
    entry = LedgerEntry(
        ref.uri, ref.fingerprint, content_hash, "container", ref.observed_at, run_id,
        dates=(), shard_starts=starts, shard_lines=lines,
    )
    share = file_size(ref) / len(starts)
    known = {ref.uri: previous} if previous is not None else {}
    for index, (start, line) in enumerate(zip(starts, lines, strict=True)):
        if index in done_shards:
            continue
        end = starts[index + 1] if index + 1 < len(starts) else None
        shard = Shard(index, start, end, line)
        yield WorkUnit(
            (replace(ref, shard=shard),), known, container=replace(entry, shards_done=(index,)), size=share,
        )
