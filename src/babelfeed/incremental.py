"""Deciding what a run has to do: new and changed inputs, within a window.

An input whose fingerprint (size and mtime for files) matches the ledger is skipped without
being read. One whose fingerprint changed is read and hashed in its batch; if the bytes are
the same it is still skipped (a `touch` or a copy costs one hash, not a translation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babelfeed.article import LedgerEntry, SourceRef


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
        if not force and entry is not None and entry.fingerprint == ref.fingerprint:
            unchanged += 1
            continue
        todo.append(ref)
    known = {ref.uri: ledger[ref.uri] for ref in todo if ref.uri in ledger}
    return Plan(todo, known, len(refs) - outside, unchanged, outside, force)
