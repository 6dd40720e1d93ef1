"""The warehouse: hive-partitioned Parquet tables with explicit schemas.

Layout: `<root>/<table>/<partition_column>=<YYYY-MM-DD>/data.parquet`, exactly one file per
partition, replaced by write-to-temporary-then-rename so a reader (or a killed writer) only
ever sees a complete file. Any Parquet reader can open the tables without babelfeed.
"""

from babelfeed.warehouse.schema import (
    ARTICLES,
    REJECTS,
    RUNS,
    SCHEMA_VERSION,
    SEGMENTS,
    TABLES,
    TableSpec,
)
from babelfeed.warehouse.writer import commit, dataset, read_table

__all__ = [
    "ARTICLES",
    "REJECTS",
    "RUNS",
    "SCHEMA_VERSION",
    "SEGMENTS",
    "TABLES",
    "TableSpec",
    "commit",
    "dataset",
    "read_table",
]
