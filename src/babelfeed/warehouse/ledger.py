"""The source ledger: what each input looked like when it was last ingested.

Incremental runs compare each discovered input's fingerprint (and, if that changed, its
content hash) with the ledger and skip what is unchanged. The ledger is written last in a
commit, after every table: a run killed before that point is simply redone by the next run,
which is what makes an interrupted run heal instead of leaving tables that disagree.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from babelfeed.article import LedgerEntry
from babelfeed.warehouse.schema import TS
from babelfeed.warehouse.writer import write_atomic

SCHEMA = pa.schema(
    [
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("fingerprint", pa.string(), nullable=False),
        pa.field("content_hash", pa.string()),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("observed_at", TS, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
    ]
)


def ledger_path(root: str | Path) -> Path:
    return Path(root) / "_state" / "sources.parquet"


def load(root: str | Path) -> dict[str, LedgerEntry]:
    path = ledger_path(root)
    if not path.is_file():
        return {}
    rows = pq.read_table(path).cast(SCHEMA).to_pylist()
    return {r["source_uri"]: LedgerEntry(**r) for r in rows}


def save(root: str | Path, updates: list[LedgerEntry]) -> None:
    """Merge `updates` into the ledger (one atomic file rewrite)."""
    if not updates:
        return
    entries = load(root)
    entries.update({e.source_uri: e for e in updates})
    rows = [
        {name: getattr(e, name) for name in SCHEMA.names}
        for e in sorted(entries.values(), key=lambda e: e.source_uri)
    ]
    write_atomic(pa.Table.from_pylist(rows, schema=SCHEMA), ledger_path(root), "ledger")
