"""The source ledger: what each input looked like when it was last ingested.

Incremental runs compare each discovered input's fingerprint (and, if that changed, its
content hash) with the ledger and skip what is unchanged. The ledger is written last in a
commit, after every table: a run killed before that point is simply redone by the next run,
which is what makes an interrupted run heal instead of leaving tables that disagree. It lives
with the tables (`_state/sources.parquet`), so it travels with the warehouse.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from babelfeed.article import LedgerEntry
from babelfeed.warehouse.schema import TS
from babelfeed.warehouse.storage import Storage, resolve
from babelfeed.warehouse.writer import write_table_file

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


def _store(warehouse: str | Path | Storage) -> Storage:
    return warehouse if isinstance(warehouse, Storage) else resolve(warehouse)


def ledger_path(store: Storage) -> str:
    return store.path("_state", "sources.parquet")


def load(warehouse: str | Path | Storage) -> dict[str, LedgerEntry]:
    store = _store(warehouse)
    if not store.exists(ledger_path(store)):
        return {}
    rows = store.read_parquet(ledger_path(store)).cast(SCHEMA).to_pylist()
    return {r["source_uri"]: LedgerEntry(**r) for r in rows}


def save(warehouse: str | Path | Storage, updates: list[LedgerEntry]) -> None:
    """Merge `updates` into the ledger (one atomic file rewrite)."""
    if not updates:
        return
    store = _store(warehouse)
    entries = load(store)
    entries.update({e.source_uri: e for e in updates})
    rows = [
        {name: getattr(e, name) for name in SCHEMA.names}
        for e in sorted(entries.values(), key=lambda e: e.source_uri)
    ]
    write_table_file(store, pa.Table.from_pylist(rows, schema=SCHEMA), ledger_path(store), "ledger")
