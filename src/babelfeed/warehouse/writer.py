"""Atomic, idempotent partition commits.

A commit merges new rows into each affected partition file: old rows whose `replace_by`
value is being written are dropped (wherever they live, so an article whose observed date
moved leaves its old partition), the new rows are added, and the partition is rewritten to a
temporary name and renamed into place. Re-running the same input therefore yields the same
rows, and a crash at any instant leaves every partition either as it was or as it will be.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
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


def _write_atomic(table: pa.Table, spec: TableSpec, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        b"babelfeed.table": spec.name.encode(),
        b"babelfeed.schema_version": SCHEMA_VERSION.encode(),
        b"babelfeed.pipeline_version": PIPELINE_VERSION.encode(),
    }
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    # The suffix keeps half-written files out of `**/*.parquet` globs.
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


def commit(root: str | Path, spec: TableSpec, rows: pa.Table) -> list[str]:
    """Merge `rows` into the table; return the partitions that were rewritten."""
    root = Path(root)
    rows = rows.select(spec.schema.names).cast(spec.schema)
    if rows.num_rows == 0:
        return []
    parts = _partition_values(rows, spec)
    incoming: dict[str, pa.Table] = {}
    for value in pc.unique(parts).to_pylist():
        incoming[value] = rows.filter(pc.equal(parts, value))
    replaced = pc.unique(rows[spec.replace_by])

    existing = _partition_files(root, spec)
    losing: set[str] = set()
    for value, file in existing.items():
        if value not in incoming:
            column = pq.read_table(file, columns=[spec.replace_by])[spec.replace_by]
            if pc.any(pc.is_in(column, value_set=replaced)).as_py():
                losing.add(value)

    # Partitions that gain rows are written before those that only lose rows: a crash in
    # between leaves a row twice (healed by the next run), never a row lost.
    touched = []
    for value in [*sorted(incoming), *sorted(losing)]:
        target = root / spec.name / f"{spec.partition_column}={value}" / DATA_FILE
        pieces = []
        if value in existing:
            old = pq.read_table(existing[value]).select(spec.schema.names).cast(spec.schema)
            pieces.append(old.filter(pc.invert(pc.is_in(old[spec.replace_by], value_set=replaced))))
        if value in incoming:
            pieces.append(incoming[value])
        merged = pa.concat_tables(pieces).sort_by([(k, "ascending") for k in spec.key])
        if merged.num_rows:
            _write_atomic(merged, spec, target)
        else:
            target.unlink(missing_ok=True)
            try:
                target.parent.rmdir()
            except OSError:
                pass
        touched.append(value)
    return touched


def read_table(root: str | Path, spec: TableSpec) -> pa.Table:
    """Every row of a table with its partition column, through pyarrow's dataset reader."""
    files = _partition_files(Path(root), spec)
    if not files:
        return spec.schema.empty_table().append_column(spec.partition_column, pa.array([], pa.string()))
    tables = []
    for value, file in sorted(files.items()):
        t = pq.read_table(file).select(spec.schema.names).cast(spec.schema)
        tables.append(t.append_column(spec.partition_column, pa.array([value] * t.num_rows, pa.string())))
    return pa.concat_tables(tables)
