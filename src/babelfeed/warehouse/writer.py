"""Atomic, idempotent partition commits.

A commit merges new rows into each affected partition file: old rows whose `replace_by`
value is being written (or explicitly deleted) are dropped wherever they live, so an article
whose observed date moved leaves its old partition; the new rows are added; and the partition
is rewritten to a temporary name and renamed into place. Re-running the same input therefore
yields the same rows, and a crash at any instant leaves every partition either as it was or
as it will be.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from babelfeed import PIPELINE_VERSION
from babelfeed.warehouse.schema import SCHEMA_VERSION, TableSpec

DATA_FILE = "data.parquet"
ROW_GROUP_SIZE = 10_000


def _partition_files(root: Path, spec: TableSpec) -> dict[str, Path]:
    table_dir = root / spec.name
    prefix = f"{spec.partition_column}="
    if not table_dir.is_dir():
        return {}
    return {
        d.name[len(prefix) :]: d / DATA_FILE
        for d in table_dir.iterdir()
        if d.is_dir() and d.name.startswith(prefix) and (d / DATA_FILE).is_file()
    }


def write_atomic(table: pa.Table, target: Path, name: str) -> None:
    """Write a Parquet file so that `target` is always either the old or the new complete file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        b"babelfeed.table": name.encode(),
        b"babelfeed.schema_version": SCHEMA_VERSION.encode(),
        b"babelfeed.pipeline_version": PIPELINE_VERSION.encode(),
    }
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    # A leading dot and a .tmp suffix keep half-written files out of `**/*.parquet` globs and
    # out of pyarrow datasets.
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as sink:
            pq.write_table(table, sink, compression="zstd", row_group_size=ROW_GROUP_SIZE)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(target.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _partition_values(rows: pa.Table, spec: TableSpec) -> pa.Array:
    return pc.strftime(rows[spec.partition_source], format="%Y-%m-%d")


def _read_partition(file: Path, spec: TableSpec) -> pa.Table:
    return pq.read_table(file).select(spec.schema.names).cast(spec.schema)


def commit(
    root: str | Path, spec: TableSpec, rows: pa.Table, delete: Iterable[str] = ()
) -> list[str]:
    """Merge `rows` into the table and drop rows whose `replace_by` is in `delete`.

    Returns the partitions that were rewritten.
    """
    root = Path(root)
    rows = rows.select(spec.schema.names).cast(spec.schema)
    doomed = pa.array(
        sorted(set(rows[spec.replace_by].to_pylist()) | set(delete)), pa.string()
    )
    if len(doomed) == 0:
        return []
    parts = _partition_values(rows, spec)
    incoming = {value: rows.filter(pc.equal(parts, value)) for value in pc.unique(parts).to_pylist()}

    existing = _partition_files(root, spec)
    losing: set[str] = set()
    for value, file in existing.items():
        if value not in incoming:
            column = pq.read_table(file, columns=[spec.replace_by])[spec.replace_by]
            if pc.any(pc.is_in(column, value_set=doomed)).as_py():
                losing.add(value)

    # Partitions that gain rows are written before those that only lose rows: a crash in
    # between leaves a row twice (healed by the next run), never a row lost.
    touched = []
    for value in [*sorted(incoming), *sorted(losing)]:
        target = root / spec.name / f"{spec.partition_column}={value}" / DATA_FILE
        pieces = []
        if value in existing:
            old = _read_partition(existing[value], spec)
            pieces.append(old.filter(pc.invert(pc.is_in(old[spec.replace_by], value_set=doomed))))
        if value in incoming:
            pieces.append(incoming[value])
        merged = pa.concat_tables(pieces).sort_by([(k, "ascending") for k in spec.key])
        if merged.num_rows:
            write_atomic(merged, target, spec.name)
        else:
            target.unlink(missing_ok=True)
            try:
                target.parent.rmdir()
            except OSError:
                pass
        touched.append(value)
    return touched


def read_table(
    root: str | Path,
    spec: TableSpec,
    columns: list[str] | None = None,
    filter: ds.Expression | None = None,
) -> pa.Table:
    """Rows of a table (with its partition column), optionally projected and filtered."""
    schema = spec.schema.append(pa.field(spec.partition_column, pa.string()))
    table_dir = Path(root) / spec.name
    if not _partition_files(Path(root), spec):
        empty = schema.empty_table()
        return empty.select(columns) if columns else empty
    dataset = ds.dataset(
        table_dir,
        schema=schema,
        format="parquet",
        partitioning=ds.partitioning(pa.schema([schema.field(spec.partition_column)]), flavor="hive"),
    )
    return dataset.to_table(columns=columns, filter=filter)
