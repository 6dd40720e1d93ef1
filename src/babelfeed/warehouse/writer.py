"""Atomic, idempotent partition commits.

A commit merges new rows into each affected partition file: old rows whose `replace_by`
value is being written (or explicitly deleted) are dropped wherever they live, so an article
whose observed date moved leaves its old partition; the new rows are added; and the partition
file is replaced atomically (see `storage`). Re-running the same input therefore yields the
same rows, and a crash at any instant leaves every partition either as it was or as it will be.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from babelfeed import PIPELINE_VERSION
from babelfeed.warehouse.schema import SCHEMA_VERSION, TableSpec
from babelfeed.warehouse.storage import Storage, resolve

DATA_FILE = "data.parquet"
ROW_GROUP_SIZE = 10_000


def partition_files(store: Storage, spec: TableSpec) -> dict[str, str]:
    """Partition value -> data file path, for the partitions that hold a file."""
    prefix = f"{spec.partition_column}="
    out = {}
    for name in store.subdirs(store.path(spec.name)):
        file = store.path(spec.name, name, DATA_FILE)
        if name.startswith(prefix) and store.exists(file):
            out[name[len(prefix) :]] = file
    return out


def write_table_file(store: Storage, table: pa.Table, path: str, name: str) -> None:
    """Write one Parquet file of the warehouse with babelfeed's metadata, atomically."""
    metadata = {
        b"babelfeed.table": name.encode(),
        b"babelfeed.schema_version": SCHEMA_VERSION.encode(),
        b"babelfeed.pipeline_version": PIPELINE_VERSION.encode(),
    }
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    store.write_parquet(table, path, compression="zstd", row_group_size=ROW_GROUP_SIZE)


def _partition_values(rows: pa.Table, spec: TableSpec) -> pa.Array:
    return pc.strftime(rows[spec.partition_source], format="%Y-%m-%d")


def commit(
    warehouse: str | Path | Storage, spec: TableSpec, rows: pa.Table, delete: Iterable[str] = ()
) -> list[str]:
    """Merge `rows` into the table and drop rows whose `replace_by` is in `delete`.

    Returns the partitions that were rewritten.
    """
    store = warehouse if isinstance(warehouse, Storage) else resolve(warehouse)
    rows = rows.select(spec.schema.names).cast(spec.schema)
    doomed = pa.array(sorted(set(rows[spec.replace_by].to_pylist()) | set(delete)), pa.string())
    if len(doomed) == 0:
        return []
    parts = _partition_values(rows, spec)
    incoming = {value: rows.filter(pc.equal(parts, value)) for value in pc.unique(parts).to_pylist()}

    existing = partition_files(store, spec)
    losing: set[str] = set()
    for value, file in existing.items():
        if value not in incoming:
            column = store.read_parquet(file, columns=[spec.replace_by])[spec.replace_by]
            if pc.any(pc.is_in(column, value_set=doomed)).as_py():
                losing.add(value)

    # Partitions that gain rows are written before those that only lose rows: a crash in
    # between leaves a row twice (healed by the next run), never a row lost.
    touched = []
    for value in [*sorted(incoming), *sorted(losing)]:
        target = store.path(spec.name, f"{spec.partition_column}={value}", DATA_FILE)
        pieces = []
        if value in existing:
            old = store.read_parquet(existing[value]).select(spec.schema.names).cast(spec.schema)
            pieces.append(old.filter(pc.invert(pc.is_in(old[spec.replace_by], value_set=doomed))))
        if value in incoming:
            pieces.append(incoming[value])
        merged = pa.concat_tables(pieces).sort_by([(k, "ascending") for k in spec.key])
        if merged.num_rows:
            write_table_file(store, merged, target, spec.name)
        else:
            store.delete(target)
        touched.append(value)
    return touched


def dataset(warehouse: str | Path | Storage, spec: TableSpec) -> ds.Dataset | None:
    """The table as a pyarrow dataset (hive partitions), or None while it has no partition."""
    store = warehouse if isinstance(warehouse, Storage) else resolve(warehouse)
    files = partition_files(store, spec)
    if not files:
        return None
    schema = spec.schema.append(pa.field(spec.partition_column, pa.string()))
    return ds.dataset(
        sorted(files.values()),
        schema=schema,
        format="parquet",
        filesystem=store.fs,
        partitioning=ds.partitioning(pa.schema([schema.field(spec.partition_column)]), flavor="hive"),
        partition_base_dir=store.path(spec.name),
    )


def read_table(
    warehouse: str | Path | Storage,
    spec: TableSpec,
    columns: list[str] | None = None,
    filter: ds.Expression | None = None,
) -> pa.Table:
    """Rows of a table (with its partition column), optionally projected and filtered."""
    data = dataset(warehouse, spec)
    if data is None:
        empty = spec.schema.append(pa.field(spec.partition_column, pa.string())).empty_table()
        return empty.select(columns) if columns else empty
    return data.to_table(columns=columns, filter=filter)
