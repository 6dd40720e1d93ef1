"""The warehouse: hive-partitioned Parquet tables with explicit schemas.

Layout: `<root>/<table>/<partition_column>=<YYYY-MM-DD>/part-<time>-<id>.parquet`: a partition
holds files of bounded size (see `writer`), each replaced by write-to-temporary-then-rename so
a reader (or a killed writer) only ever sees complete files. Any Parquet reader can open the
tables without babelfeed.
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
