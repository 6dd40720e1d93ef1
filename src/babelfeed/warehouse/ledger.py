"""The source ledger: what each input looked like when it was last ingested.

Incremental runs compare each discovered input's fingerprint (and, if that changed, its
content hash) with the ledger and skip what is unchanged. The ledger is written last in a
commit, after every table: a run killed before that point is simply redone by the next run,
which is what makes an interrupted run heal instead of leaving tables that disagree. It lives
with the tables (`_state/ledger/`), so it travels with the warehouse.

It is split into `BUCKETS` files by a stable hash of `source_uri`, because runs save it many
times (once per committed chunk) and a warehouse may know 100,000+ sources: a save rewrites
only the buckets its updates fall in, and a run that asks about a few inputs reads only
theirs. Each bucket file is replaced atomically on its own; a run killed between two bucket
writes leaves some of its inputs recorded and the rest to be redone, exactly as if it had
been killed before the ledger write of a later chunk.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from babelfeed.article import LedgerEntry
from babelfeed.warehouse.schema import TS
from babelfeed.warehouse.storage import Storage, resolve
from babelfeed.warehouse.writer import conform, write_table_file

#: Number of bucket files, chosen with benchmarks/ledger_scale.py. Each file a save touches costs
#: a few milliseconds however small (a request or two on an object store), each row it holds a
#: microsecond or two. A chunk of a run (hundreds of updates) touches every bucket, which favours
#: few buckets; a small run touches a few, which favours many. At 100,000 sources, 64 buckets
#: save 10 updates in ~0.07 s (one file: ~0.17 s) and a chunk in ~0.35 s (16 buckets: ~0.15 s,
#: 256: ~1.6 s), and at 1,000,000 sources a bucket still holds only ~15,000 rows. Changing it
#: moves sources between buckets, so it needs a migration like the one from `sources.parquet`.
BUCKETS = 64

#: Buckets a save rewrites at once: neutral on a local disk, but on an object store each bucket
#: is a GET and a PUT whose latency would otherwise add up across the 64.
WRITERS = 8

SCHEMA = pa.schema(
    [
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("fingerprint", pa.string(), nullable=False),
        pa.field("content_hash", pa.string()),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("observed_at", TS, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("dates", pa.list_(pa.string())),
        pa.field("shard_starts", pa.list_(pa.int64()), nullable=False),
        pa.field("shard_lines", pa.list_(pa.int64()), nullable=False),
        pa.field("shards_done", pa.list_(pa.int32()), nullable=False),
    ]
)
_TUPLES = ("shard_starts", "shard_lines", "shards_done")  # empty tuple, never None
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _store(warehouse: str | Path | Storage) -> Storage:
    return warehouse if isinstance(warehouse, Storage) else resolve(warehouse)


def bucket_of(source_uri: str) -> int:
    """The bucket a source lives in: the same on every machine and every Python process."""
    digest = hashlib.blake2b(source_uri.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def _bucket_dir(store: Storage) -> str:
    return store.path("_state", "ledger")


def _bucket_path(store: Storage, bucket: int) -> str:
    return f"{_bucket_dir(store)}/{bucket:03d}.parquet"


def _legacy_path(store: Storage) -> str:
    """The single-file ledger of earlier versions, read until the first save migrates it."""
    return store.path("_state", "sources.parquet")


def _bucket_infos(store: Storage) -> dict[int, pafs.FileInfo]:
    """Bucket -> its file, from one listing (one request on an object store, not one per bucket)."""
    infos = store.fs.get_file_info(pafs.FileSelector(_bucket_dir(store), allow_not_found=True))
    out = {}
    for info in infos:
        stem = info.base_name.removesuffix(".parquet")
        if info.type == pafs.FileType.File and stem != info.base_name and stem.isdigit():
            out[int(stem)] = info
    return out


def _bucket_files(store: Storage) -> dict[int, str]:
    return {bucket: info.path for bucket, info in _bucket_infos(store).items()}


def _read_legacy(store: Storage) -> pa.Table | None:
    path = _legacy_path(store)
    return conform(store.read_parquet(path), SCHEMA) if store.exists(path) else None


def _read_buckets(
    store: Storage, files: Iterable[str], where: pc.Expression | None = None
) -> pa.Table:
    """Bucket files as one table: a dataset reads them concurrently and filters as it reads."""
    paths = sorted(files)
    if not paths:
        return SCHEMA.empty_table()
    with store.reading_all(paths):
        data = ds.dataset(paths, schema=SCHEMA, format="parquet", filesystem=store.fs)
        return data.to_table(filter=where)


def files(warehouse: str | Path | Storage) -> list[tuple[str, int]]:
    """The ledger's files as (path, size): its buckets, and the legacy single file while one
    is left."""
    store = _store(warehouse)
    found = [(info.path, info.size) for _, info in sorted(_bucket_infos(store).items())]
    legacy = store.fs.get_file_info(_legacy_path(store))
    return found + [(legacy.path, legacy.size)] if legacy.type == pafs.FileType.File else found


def _overlay(base: pa.Table, top: pa.Table) -> pa.Table:
    """`top`'s rows plus those of `base` whose source `top` does not have."""
    hidden = pc.is_in(base["source_uri"], value_set=top["source_uri"].combine_chunks())
    return pa.concat_tables([base.filter(pc.invert(hidden)), top])


def _datetimes(column: pa.ChunkedArray) -> list[datetime]:
    """The column's instants; 5x faster than `to_pylist`, which builds a time zone per value."""
    return [_EPOCH + timedelta(microseconds=us) for us in column.cast(pa.int64()).to_pylist()]


def _tuples(column: pa.ChunkedArray) -> list[tuple | None]:
    """Each list cell as a tuple (None if null), sliced from the flat values: no list per row."""
    out: list[tuple | None] = []
    for chunk in column.chunks:
        values, offsets = chunk.values.to_pylist(), chunk.offsets.to_pylist()
        cells: list[tuple | None] = [
            tuple(values[a:b]) if a != b else () for a, b in zip(offsets, offsets[1:], strict=False)
        ]
        if chunk.null_count:
            valid = chunk.is_valid().to_pylist()
            cells = [cell if ok else None for cell, ok in zip(cells, valid, strict=True)]
        out.extend(cells)
    return out


def _entries(table: pa.Table) -> dict[str, LedgerEntry]:
    """Entries by source, built column by column (positionally: SCHEMA lists LedgerEntry's
    fields in order), so that loading 100,000 sources costs a fraction of a second."""

    def python(name: str) -> list:
        if name == "observed_at":
            return _datetimes(table[name])
        if name == "dates":
            return _tuples(table[name])
        if name in _TUPLES:
            return [cell or () for cell in _tuples(table[name])]
        return table[name].to_pylist()

    columns = [python(name) for name in SCHEMA.names]
    return dict(zip(columns[0], map(LedgerEntry, *columns), strict=True))


def _table(entries: Iterable[LedgerEntry]) -> pa.Table:
    entries = list(entries)
    columns = {name: [getattr(e, name) for e in entries] for name in SCHEMA.names}
    return pa.table(columns, schema=SCHEMA)


def load(
    warehouse: str | Path | Storage, uris: Iterable[str] | None = None, skip: Iterable[str] = ()
) -> dict[str, LedgerEntry]:
    """The ledger entries of `uris` (those that have one), or the whole ledger for None.

    With `uris`, only the buckets they fall in are read. `skip` names damaged files to leave
    out (a repair reads what is left).
    """
    store = _store(warehouse)
    skip = set(skip)
    wanted = None if uris is None else pa.array(list(set(uris)), pa.string())
    files = {b: path for b, path in _bucket_files(store).items() if path not in skip}
    if wanted is not None:
        if len(wanted) == 0:
            return {}
        needed = {bucket_of(uri) for uri in wanted.to_pylist()}
        files = {b: path for b, path in files.items() if b in needed}
    where = None if wanted is None else pc.field("source_uri").isin(wanted)
    table = _read_buckets(store, files.values(), where)
    legacy = None if _legacy_path(store) in skip else _read_legacy(store)
    if legacy is not None:
        if wanted is not None:
            legacy = legacy.filter(pc.is_in(legacy["source_uri"], value_set=wanted))
        table = _overlay(legacy, table)  # a bucket is always newer than the legacy file
    return _entries(table)


def bucket_file(warehouse: str | Path | Storage, bucket: int) -> str:
    return _bucket_path(_store(warehouse), bucket)


def write_bucket(warehouse: str | Path | Storage, bucket: int, entries: Iterable[LedgerEntry]) -> None:
    """Replace one bucket file with exactly `entries` (a repair rebuilding a damaged bucket,
    which `save` could not read to merge into)."""
    store = _store(warehouse)
    write_table_file(store, _table(entries).sort_by("source_uri"), _bucket_path(store, bucket), "ledger")


class Lookup:
    """`get(uri)` on the ledger, for callers that learn which sources they need as they go
    (a feed's items): each source is looked up once, reading only its bucket."""

    def __init__(self, warehouse: str | Path | Storage) -> None:
        self._store = _store(warehouse)
        self._seen: dict[str, LedgerEntry | None] = {}

    def get(self, uri: str, default: LedgerEntry | None = None) -> LedgerEntry | None:
        if uri not in self._seen:
            self._seen[uri] = load(self._store, [uri]).get(uri)
        found = self._seen[uri]
        return default if found is None else found

    def get_many(self, uris: list[str]) -> dict[str, LedgerEntry]:
        """The entries of many sources at once (a sitemap's URLs): each bucket read once."""
        missing = [u for u in uris if u not in self._seen]
        if missing:
            found = load(self._store, missing)
            for uri in missing:
                self._seen[uri] = found.get(uri)
        return {u: self._seen[u] for u in uris if self._seen.get(u) is not None}


def _merge_entry(stored: LedgerEntry | None, update: LedgerEntry) -> LedgerEntry:
    """The entry to keep when `update` arrives for a source the ledger has as `stored`.

    A run commits a container shard by shard, in chunks, and shards may complete out of order:
    while the container's bytes and shard boundaries are unchanged, its progress accumulates;
    a new version starts its progress afresh. A container's dates only ever grow: until every
    shard of a new version is committed, rows of the old version still sit in the old dates,
    and a commit replacing them must look there. Anything else replaces the stored entry.
    """
    if stored is None or stored.outcome != "container" or update.outcome != "container":
        return update
    # Unknown dates on either side stay unknown: a commit must then scan every partition.
    dates = (
        None
        if stored.dates is None or update.dates is None
        else tuple(sorted({*stored.dates, *update.dates}))
    )
    if stored.content_hash != update.content_hash or stored.shard_starts != update.shard_starts:
        return replace(update, dates=dates)
    done = tuple(sorted({*stored.shards_done, *update.shards_done}))
    return replace(update, dates=dates, shards_done=done)


def _apply(stored: pa.Table, updates: list[LedgerEntry]) -> pa.Table:
    """One bucket after `updates`; untouched rows stay in Arrow and never become objects."""
    uris = pa.array(list({e.source_uri for e in updates}), pa.string())
    touched = pc.is_in(stored["source_uri"], value_set=uris)
    merged = _entries(stored.filter(touched))
    for update in updates:  # in order: a source may be updated several times in one save
        merged[update.source_uri] = _merge_entry(merged.get(update.source_uri), update)
    out = pa.concat_tables([stored.filter(pc.invert(touched)), _table(merged.values())])
    return out.sort_by("source_uri")


def save(warehouse: str | Path | Storage, updates: list[LedgerEntry], skip: Iterable[str] = ()) -> None:
    """Merge `updates` into the ledger, rewriting only the buckets they fall in.

    The first save after an upgrade also moves the legacy `sources.parquet` into buckets. It
    writes every bucket that receives legacy entries first and deletes the legacy file only
    after the last of them is in place: a run killed in between leaves both, `load` lets
    buckets win over the legacy file (they are newer), and the next save migrates again,
    so no entry is ever lost nor an update undone. `skip` names damaged files not to read
    (a repair that rebuilt what a damaged legacy file held).
    """
    if not updates:
        return
    store = _store(warehouse)
    by_bucket: dict[int, list[LedgerEntry]] = defaultdict(list)
    for entry in updates:
        by_bucket[bucket_of(entry.source_uri)].append(entry)
    legacy = None if _legacy_path(store) in set(skip) else _read_legacy(store)
    legacy_parts: dict[int, pa.Table] = {}
    if legacy is not None:
        uris = legacy["source_uri"].to_pylist()
        buckets = pa.array([bucket_of(uri) for uri in uris], pa.int32())
        for bucket in pc.unique(buckets).to_pylist():
            legacy_parts[bucket] = legacy.filter(pc.equal(buckets, bucket))
    files = _bucket_files(store)

    def rewrite(bucket: int) -> None:
        stored = SCHEMA.empty_table()
        if bucket in files:
            stored = conform(store.read_parquet(files[bucket]), SCHEMA)
        if bucket in legacy_parts:
            stored = _overlay(legacy_parts[bucket], stored)
        table = _apply(stored, by_bucket.get(bucket, []))
        write_table_file(store, table, _bucket_path(store, bucket), "ledger")

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        list(pool.map(rewrite, sorted(by_bucket.keys() | legacy_parts.keys())))
    if legacy is not None:
        store.delete(_legacy_path(store))
