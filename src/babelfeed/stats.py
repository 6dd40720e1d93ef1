"""What is in a warehouse, computed with DuckDB over the tables' Parquet files.

DuckDB queries pyarrow datasets of the tables, so the same SQL works for a local folder and an
object store (DuckDB needs no S3 extension of its own for that).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from babelfeed.warehouse import TABLES
from babelfeed.warehouse.health import scan
from babelfeed.warehouse.repair import refuse
from babelfeed.warehouse.storage import Storage, resolve
from babelfeed.warehouse.writer import dataset


@dataclass
class WarehouseStats:
    rows: dict[str, int]
    languages: list[tuple[str, int]]
    statuses: list[tuple[str, int]]
    reject_reasons: list[tuple[str, int]]
    #: sentences per translation flag (a sentence with two flags counts under both)
    translation_flags: list[tuple[str, int]]
    #: paragraphs kept aside from the articles' text, by kind
    boilerplate: list[tuple[str, int]]
    #: articles that are copies of an earlier one, by kind (exact, near)
    duplicates: list[tuple[str, int]]
    last_runs: list[tuple]


def collect(warehouse: str | Path, runs: int = 5) -> WarehouseStats:
    """The figures `babelfeed stats` prints. A damaged file raises the error that names it
    (`WarehouseDamagedError`), found by a quick scan first, or by a full one when DuckDB
    trips over a damaged page."""
    store = resolve(warehouse)
    refuse(scan(store, full=False))
    try:
        return _collect(store, runs)
    except duckdb.Error:
        refuse(scan(store, full=True))
        raise


def _collect(store: Storage, runs: int) -> WarehouseStats:
    db = duckdb.connect()
    present = set()
    for name, spec in TABLES.items():
        data = dataset(store, spec)
        if data is not None:
            db.register(name, data)
            present.add(name)

    def rows(sql: str, table: str) -> list[tuple]:
        return db.sql(sql.replace("{t}", table)).fetchall() if table in present else []

    return WarehouseStats(
        rows={name: (rows("select count(*) from {t}", name) or [(0,)])[0][0] for name in TABLES},
        languages=rows("select language, count(*) from {t} group by 1 order by 2 desc, 1", "articles"),
        statuses=rows("select translation_status, count(*) from {t} group by 1 order by 2 desc, 1", "articles"),
        reject_reasons=rows("select reason, count(*) from {t} group by 1 order by 2 desc, 1", "rejects"),
        translation_flags=rows(
            "select flag, count(*) from (select unnest(translation_flags) as flag from {t}) "
            "group by 1 order by 2 desc, 1", "segments",
        ),
        boilerplate=rows(
            "select b.kind, count(*) from (select unnest(boilerplate) as b from {t}) "
            "group by 1 order by 2 desc, 1", "articles",
        ),
        duplicates=rows(
            "select duplicate_kind, count(*) from {t} where duplicate_kind is not null group by 1 order by 1",
            "articles",
        ),
        last_runs=rows(
            "select run_id, flow, status, strftime(started_at, '%Y-%m-%d %H:%M'), new, updated, unchanged, "
            f"rejected, translated, model_missing from {{t}} order by started_at desc limit {int(runs)}",
            "runs",
        ),
    )
