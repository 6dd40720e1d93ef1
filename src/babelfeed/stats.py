"""What is in a warehouse, computed with DuckDB straight from the Parquet files.

Going through DuckDB rather than babelfeed's own reader is deliberate: `babelfeed stats` sees
the tables exactly as an analyst's query would.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from babelfeed.warehouse import TABLES


@dataclass
class WarehouseStats:
    rows: dict[str, int]
    languages: list[tuple[str, int]]
    statuses: list[tuple[str, int]]
    reject_reasons: list[tuple[str, int]]
    last_runs: list[tuple]


def _source(root: Path, table: str) -> str | None:
    if not any((root / table).glob("*/*.parquet")):
        return None
    glob = str(root / table / "**" / "*.parquet").replace("'", "''")
    return f"read_parquet('{glob}', hive_partitioning = true)"


def collect(root: str | Path, runs: int = 5) -> WarehouseStats:
    root = Path(root)
    db = duckdb.connect()
    src = {name: _source(root, name) for name in TABLES}

    def rows(sql: str, table: str) -> list[tuple]:
        return db.sql(sql.format(src=src[table])).fetchall() if src[table] else []

    return WarehouseStats(
        rows={name: (rows("select count(*) from {src}", name) or [(0,)])[0][0] for name in TABLES},
        languages=rows("select language, count(*) from {src} group by 1 order by 2 desc, 1", "articles"),
        statuses=rows("select translation_status, count(*) from {src} group by 1 order by 2 desc, 1", "articles"),
        reject_reasons=rows("select reason, count(*) from {src} group by 1 order by 2 desc, 1", "rejects"),
        last_runs=rows(
            "select run_id, flow, status, started_at, discovered, new, updated, unchanged, rejected, "
            f"translated, model_missing from {{src}} order by started_at desc limit {int(runs)}",
            "runs",
        ),
    )
