"""Atomic, idempotent partition commits.

A partition is a folder of Parquet files. A commit adds its rows to the partition's newest
file while that file holds less than `FILE_TARGET_BYTES` of data (else it starts a new file), and
drops the old rows whose `replace_by` value is being written (or explicitly deleted) from the
files that hold them: wherever they live, or wherever the caller says they may live. Every
file is replaced atomically (see `storage`), so re-running the same input yields the same rows
and a crash leaves each file as it was or as it will be. Files are bounded in size, so the
memory and the work of a commit follow the rows it writes, never the partition's history: a
day of CC-NEWS committed in chunks rewrites one small file per chunk, not the whole day.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from babelfeed import PIPELINE_VERSION
from babelfeed.warehouse.schema import SCHEMA_VERSION, TableSpec
from babelfeed.warehouse.storage import Storage, resolve

ROW_GROUP_SIZE = 10_000
ARROW_BYTES_KEY = b"babelfeed.arrow_bytes"
#: A partition's newest file takes new rows until they take this much memory (as its footer
#: records: what a commit holds to rewrite it; compressed and encoded sizes vary twentyfold
#: with the text), so no commit reads or rewrites more of a partition.
FILE_TARGET_BYTES = 32 * 1024 * 1024


def partition_dir(store: Storage, spec: TableSpec, value: str) -> str:
    return store.path(spec.name, f"{spec.partition_column}={value}")


def partition_values(store: Storage, spec: TableSpec) -> list[str]:
    """The table's partitions (`YYYY-MM-DD`), oldest first: one folder listing."""
    prefix = f"{spec.partition_column}="
    return [n[len(prefix) :] for n in store.subdirs(store.path(spec.name)) if n.startswith(prefix)]


def partition_files(
    store: Storage, spec: TableSpec, values: Iterable[str] | None = None
) -> dict[str, list[tuple[str, int]]]:
    """Partition value -> its data files as (path, size), oldest first, for partitions with files.

    `values` limits the answer to those partitions and lists only their folders, so the cost
    follows the partitions named, not the table's history.
    """
    names = partition_values(store, spec) if values is None else sorted(set(values))
    out = {}
    for value in names:
        files = store.files(partition_dir(store, spec, value), suffix=".parquet")
        if files:
            out[value] = files
    return out


def write_table_file(store: Storage, table: pa.Table, path: str, name: str) -> None:
    """Write one Parquet file of the warehouse with babelfeed's metadata, atomically."""
    metadata = {
        b"babelfeed.table": name.encode(),
        b"babelfeed.schema_version": SCHEMA_VERSION.encode(),
        b"babelfeed.pipeline_version": PIPELINE_VERSION.encode(),
        # What the rows take in memory: a commit that adds rows to this file reads it whole.
        ARROW_BYTES_KEY: str(table.nbytes).encode(),
    }
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    # Page checksums let `babelfeed check` tell a damaged page from data (readers that do
    # not verify them ignore them).
    store.write_parquet(table, path, compression="zstd", row_group_size=ROW_GROUP_SIZE, write_page_checksum=True)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` in `schema`: a column an older schema version lacked is added as nulls (as empty
    lists where it cannot be null)."""
    columns = []
    for field in schema:
        if field.name in table.column_names:
            columns.append(table[field.name].cast(field.type))
        elif field.nullable:
            columns.append(pa.nulls(table.num_rows, field.type))
        else:
            columns.append(pa.array([[]] * table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema.remove_metadata())


def _memory_bytes(store: Storage, path: str) -> int:
    """The file's rows in memory, from its footer (files of schema version 1 do not record it:
    their uncompressed data size stands in)."""
    meta = store.parquet_metadata(path)
    recorded = (meta.metadata or {}).get(ARROW_BYTES_KEY)
    if recorded is not None:
        return int(recorded)
    return sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))


def _partition_values(rows: pa.Table, spec: TableSpec) -> pa.Array:
    return pc.strftime(rows[spec.partition_source], format="%Y-%m-%d")


def _new_file(store: Storage, spec: TableSpec, value: str) -> str:
    """A new file name; names sort by creation, so the last one listed is the newest."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return store.path(spec.name, f"{spec.partition_column}={value}", f"part-{stamp}-{uuid.uuid4().hex[:8]}.parquet")


def commit(
    warehouse: str | Path | Storage,
    spec: TableSpec,
    rows: pa.Table,
    delete: Iterable[str] = (),
    may_hold: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
) -> list[str]:
    """Merge `rows` into the table and drop rows whose `replace_by` is in `delete`.

    Old rows being replaced or deleted are looked for only in the partitions `may_hold` names
    (where the caller knows those rows may live, e.g. from the ledger): that keeps a commit's
    cost independent of how many partitions and files history has left. `may_hold=None` reads
    every partition, which finds rows wherever they are (healing after a crash, or when their
    dates are unknown). `exclude` names files to leave as they are (damaged ones, which a
    repair works around before it moves them aside).

    Returns the partitions that were rewritten.
    """
    store = warehouse if isinstance(warehouse, Storage) else resolve(warehouse)
    rows = conform(rows, spec.schema)
    doomed = pa.array(sorted(set(rows[spec.replace_by].to_pylist()) | set(delete)), pa.string())
    if len(doomed) == 0:
        return []
    parts = _partition_values(rows, spec)
    incoming = {value: rows.filter(pc.equal(parts, value)) for value in pc.unique(parts).to_pylist()}
    search = None if may_hold is None else set(may_hold)
    skip = set(exclude)
    listing = {
        value: kept
        for value, files in partition_files(store, spec, None if search is None else [*incoming, *search]).items()
        if (kept := [(path, size) for path, size in files if path not in skip])
    }

    def without_doomed(path: str) -> pa.Table:
        old = conform(store.read_parquet(path), spec.schema)
        return old.filter(pc.invert(pc.is_in(old[spec.replace_by], value_set=doomed)))

    holding: dict[str, str] = {}  # file -> partition, for files that hold doomed rows
    for value, files in listing.items():
        if search is not None and value not in search:
            continue  # a partition that only receives rows: nothing of ours can be there
        for path, _ in files:
            column = store.read_parquet(path, columns=[spec.replace_by])[spec.replace_by]
            if pc.any(pc.is_in(column, value_set=doomed)).as_py():
                holding[path] = value

    # Partitions that gain rows are written before files that only lose rows: a crash in
    # between leaves a row twice (healed by the next run), never a row lost.
    touched = []
    for value in sorted(incoming):
        files = listing.get(value, [])
        pieces = []
        target = _new_file(store, spec, value)
        if files and _memory_bytes(store, files[-1][0]) < FILE_TARGET_BYTES:
            target = files[-1][0]
            pieces.append(without_doomed(target))
            holding.pop(target, None)
        pieces.append(incoming[value])
        merged = pa.concat_tables(pieces).sort_by([(k, "ascending") for k in spec.key])
        write_table_file(store, merged, target, spec.name)
        touched.append(value)
    for path, value in sorted(holding.items()):
        kept = without_doomed(path)
        if kept.num_rows:
            write_table_file(store, kept.sort_by([(k, "ascending") for k in spec.key]), path, spec.name)
        else:
            store.delete(path)
        touched.append(value)
    return list(dict.fromkeys(touched))  # in the order written: gaining, then losing


def dataset(
    warehouse: str | Path | Storage, spec: TableSpec, partitions: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
) -> ds.Dataset | None:
    """The table (or some of its partitions) as a pyarrow dataset, None while it has no file.
    `exclude` names files to leave out (damaged ones, which a repair reads around)."""
    store = warehouse if isinstance(warehouse, Storage) else resolve(warehouse)
    skip = set(exclude)
    files = [path for listed in partition_files(store, spec, partitions).values() for path, _ in listed
             if path not in skip]
    if not files:
        return None
    schema = spec.schema.append(pa.field(spec.partition_column, pa.string()))
    return ds.dataset(
        files,
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
    partitions: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
) -> pa.Table:
    """Rows of a table (with its partition column), optionally projected, filtered and limited
    to some partitions (only those are listed and opened); `exclude`: files to leave out."""
    data = dataset(warehouse, spec, partitions, exclude)
    if data is None:
        empty = spec.schema.append(pa.field(spec.partition_column, pa.string())).empty_table()
        return empty.select(columns) if columns else empty
    store = warehouse if isinstance(warehouse, Storage) else resolve(warehouse)
    with store.reading_all(data.files):
        return data.to_table(columns=columns, filter=filter)
