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

import json
import os
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from babelfeed.errors import WarehouseDamagedError
from babelfeed.warehouse import ledger
from babelfeed.warehouse.schema import SCHEMA_VERSION, TABLES
from babelfeed.warehouse.storage import Storage
from babelfeed.warehouse.writer import partition_files

#: Schema versions this babelfeed reads (files of older versions gain the new columns as nulls).
KNOWN_VERSIONS = frozenset(str(v) for v in range(1, int(SCHEMA_VERSION) + 1))
#: The SQLite files of the state folder: all can be rebuilt (the duplicate index from the
#: articles, the translation cache by translating again, the count of lines per site by the
#: pages that come next), so damage there costs time only.
STATE_FILES = ("translations.sqlite", "dedup.sqlite", "site_lines.sqlite")
#: In the state folder: the sizes of the files the last quick scan found whole (see `scan`).
RECORD = "verified.json"
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
            rows = store.read_through(path, checksums=True)
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


def parquet_files(store: Storage) -> Iterator[tuple[str, int, str, pa.Schema]]:
    """(path, size, area, schema) of every Parquet file the warehouse is made of: the tables'
    partition files, the ledger's buckets and its legacy single file."""
    for spec in TABLES.values():
        for files in partition_files(store, spec).values():
            for path, size in files:
                yield path, size, spec.name, spec.schema
    for path, size in ledger.files(store):
        yield path, size, "ledger", ledger.SCHEMA


def _load_record(path: Path) -> dict[str, int]:
    """The files a quick scan found whole, by size. A cache: unreadable means empty."""
    try:
        return {k: int(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def _save_record(path: Path, sizes: dict[str, int]) -> None:
    """Replace the record atomically; where it cannot be written (a full disk, say), the next
    scan only reads more footers, so that is no failure of its own."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(sizes, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def scan(store: Storage, state_dir: Path | None = None, full: bool = True, record: Path | None = None) -> list[Problem]:
    """Every problem found, in a stable order (tables, ledger, state).

    `state_dir`: the local state folder whose SQLite files to check (None: not checked).
    `record` (quick scans only): a file of the sizes of the files an earlier quick scan found
    whole; a file listed there at the same size is not opened again, and the record is
    rewritten with what this scan found whole. So the scan every run makes reads the footers
    of the files written or changed since the last one, not the warehouse's whole history: a
    file cut short, grown or replaced by another changes its size. (`check` reads everything.)
    """
    files = list(parquet_files(store))
    known = _load_record(record) if record is not None and not full else {}
    todo = [(path, area, schema) for path, size, area, schema in files if known.get(path) != size]
    # Threads hide an object store's latency; on a local disk they only contend for the GIL.
    with ThreadPoolExecutor(max_workers=1 if store.is_local else READERS) as pool:
        found = list(pool.map(lambda f: _verify_parquet(store, *f, full), todo))
    problems = [p for p in found if p is not None]
    if record is not None and not full and not problems:  # a damaged warehouse: nothing written
        _save_record(record, {path: size for path, size, _, _ in files})
    for name in STATE_FILES if state_dir is not None else ():
        path = Path(state_dir) / name
        if path.exists():
            problem = _verify_sqlite(path)
            if problem is not None:
                problems.append(problem)
    return problems
