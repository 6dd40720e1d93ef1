"""Is the warehouse whole? Every file it is made of, verified.

Disks, copies and syncs damage files: a partition file cut in half, a ledger bucket cut short,
a state database overwritten. A reader that trips over one mid-run can only fail, so damage is
looked for up front. A quick scan reads each Parquet file's footer and metadata (schema
version, table, column types): a file cut short or overwritten has no valid footer, and a quick
scan is cheap enough for every run to make before it writes. A full scan (`babelfeed check`)
also reads every page, with its checksum, and counts the rows, and asks SQLite to check the
state databases.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from babelfeed.errors import WarehouseDamagedError
from babelfeed.warehouse import ledger
from babelfeed.warehouse.schema import SCHEMA_VERSION, TABLES
from babelfeed.warehouse.storage import Storage, reading
from babelfeed.warehouse.writer import partition_files

#: Schema versions this babelfeed reads (files of older versions gain the new columns as nulls).
KNOWN_VERSIONS = frozenset(str(v) for v in range(1, int(SCHEMA_VERSION) + 1))
#: The SQLite files of the state folder: both can be rebuilt (the duplicate index from the
#: articles, the translation cache by translating again), so damage there costs time only.
STATE_FILES = ("translations.sqlite", "dedup.sqlite")
#: Files verified at once on an object store, where a footer is a request or two.
READERS = 8


@dataclass(frozen=True)
class Problem:
    """One damaged (or foreign, or too new) file and what is wrong with it."""

    path: str
    area: str  # a table's name, "ledger" or "state"
    detail: str
    #: False for a file written by a newer babelfeed: it is not damaged, and repair leaves it.
    movable: bool = True

    def line(self) -> str:
        return f"{self.path}: {self.detail}"


def _verify_parquet(store: Storage, path: str, area: str, schema: pa.Schema, full: bool) -> Problem | None:
    def problem(detail: str, movable: bool = True) -> Problem:
        return Problem(path, area, detail, movable)

    try:
        meta = store.parquet_metadata(path)
    except WarehouseDamagedError as exc:
        return problem(f"unreadable footer: {exc.detail}")
    tags = meta.metadata or {}
    version = tags.get(b"babelfeed.schema_version", b"").decode("utf-8", "replace")
    name = tags.get(b"babelfeed.table", area.encode()).decode("utf-8", "replace")
    if not version:
        return problem("not written by babelfeed (no schema version in its metadata)")
    if version not in KNOWN_VERSIONS:
        newer = version.isdigit() and int(version) > int(SCHEMA_VERSION)
        if newer:
            return problem(f"written by a newer babelfeed (schema version {version}); upgrade babelfeed", False)
        return problem(f"unknown schema version {version!r}")
    if name != area:
        return problem(f"holds the {name} table, not {area}")
    wrong = _wrong_columns(meta.schema.to_arrow_schema(), schema)
    if wrong:
        return problem(f"columns of unexpected types: {wrong}")
    if full:
        try:
            with reading(path), store.fs.open_input_file(path) as source:
                rows = sum(b.num_rows for b in pq.ParquetFile(source, page_checksum_verification=True).iter_batches())
        except WarehouseDamagedError as exc:
            return problem(f"unreadable data: {exc.detail}")
        if rows != meta.num_rows:
            return problem(f"{rows} rows readable of the {meta.num_rows} its footer counts")
    return None


def _wrong_columns(actual: pa.Schema, expected: pa.Schema) -> str:
    """The columns whose type cannot become the schema's (what `writer.conform` does on every
    read); types are compared first, since a cast of an empty column costs a millisecond."""
    wrong = []
    for field in expected:
        index = actual.get_field_index(field.name)
        if index < 0 or actual.field(index).type == field.type:
            continue
        try:
            pa.array([], actual.field(index).type).cast(field.type)
        except (pa.ArrowException, ValueError):
            wrong.append(f"{field.name} is {actual.field(index).type}, not {field.type}")
    return "; ".join(wrong)


def _verify_sqlite(path: Path) -> Problem | None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            found = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return Problem(str(path), "state", f"not a usable SQLite database: {exc}")
    if found != [("ok",)]:
        return Problem(str(path), "state", "damaged SQLite database: " + "; ".join(str(r[0]) for r in found[:3]))
    return None


def parquet_files(store: Storage) -> Iterator[tuple[str, str, pa.Schema]]:
    """(path, area, schema) of every Parquet file the warehouse is made of: the tables'
    partition files, the ledger's buckets and its legacy single file."""
    for spec in TABLES.values():
        for files in partition_files(store, spec).values():
            for path, _ in files:
                yield path, spec.name, spec.schema
    for path in ledger.files(store):
        yield path, "ledger", ledger.SCHEMA


def scan(store: Storage, state_dir: Path | None = None, full: bool = True) -> list[Problem]:
    """Every problem found, in a stable order (tables, ledger, state). `state_dir`: the local
    state folder whose SQLite files to check (None: not checked)."""
    files = list(parquet_files(store))
    # Threads hide an object store's latency; on a local disk they only contend for the GIL.
    with ThreadPoolExecutor(max_workers=1 if store.is_local else READERS) as pool:
        found = list(pool.map(lambda f: _verify_parquet(store, *f, full), files))
    problems = [p for p in found if p is not None]
    for name in STATE_FILES if state_dir is not None else ():
        path = Path(state_dir) / name
        if path.exists():
            problem = _verify_sqlite(path)
            if problem is not None:
                problems.append(problem)
    return problems
