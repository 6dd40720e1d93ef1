"""Repair a damaged warehouse: damaged files go aside, the ledger is rebuilt from the tables,
and the next ingest re-reads every source whose rows were lost.

Nothing is deleted: a damaged file moves to `<warehouse>/_quarantine/<time>/` under its own
path. The ledger is what makes the next ingest redo work, so it is repaired first, and a
repair killed at any instant leaves the warehouse no worse:

1. Ledger. A damaged bucket is copied into the quarantine and rewritten in place from the
   tables' rows (`REBUILT`: the next run hashes those inputs once and skips them when their
   bytes are unchanged; a container's shard layout cannot be rebuilt, so a container whose
   entry was lost is read again). The entries of sources whose rows sat in a damaged table
   file are invalidated (`INVALIDATED`), keeping the partitions their rows were in, so the
   next ingest processes them again and replaces whatever of their rows survived.
   Killed here: the damaged table files are still in place, every run still stops at them,
   and the next repair finds the same damage and does the same again.
2. Incomplete articles. In each partition with a damaged articles or segments file, the rows
   of every article left incomplete by it (segments whose article row is gone, an article
   whose segments are not all there) are copied into the quarantine as a readable Parquet
   file beside the damaged one, then deleted from the table: every segment row keeps its
   article, and nothing is lost. Killed here: the damaged files are still in place, and the
   next repair finds what is left to move.
3. Tables. Damaged table files move to the quarantine. Killed here: the ledger already sends
   every source they held back to the next ingest.
4. Leftovers. Temporary files of killed writes and damaged state databases move aside; the
   duplicate index too when articles were lost, so the next run rebuilds it from the
   articles that remain.
5. A `runs` row with flow `repair` records what was done; the run after it looks for rows it
   replaces in every partition, as after a run that died.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pyarrow as pa
import pyarrow.compute as pc

from babelfeed import PIPELINE_VERSION
from babelfeed.article import LedgerEntry, stable_id
from babelfeed.errors import WarehouseDamagedError, WarehouseTooNewError
from babelfeed.incremental import container_of
from babelfeed.settings import Settings
from babelfeed.warehouse import ledger
from babelfeed.warehouse.health import RECORD, Problem, scan
from babelfeed.warehouse.lock import warehouse_lock
from babelfeed.warehouse.records import runs_table
from babelfeed.warehouse.schema import ARTICLES, REJECTS, RUNS, SEGMENTS, TABLES, TableSpec
from babelfeed.warehouse.storage import QUARANTINE, Storage, quarantine_stamp, resolve, set_aside
from babelfeed.warehouse.writer import commit, read_table, write_table_file

log = logging.getLogger(__name__)

#: Fingerprints no input ever has, so the next run looks at the input again.
REBUILT = "rebuilt-by-repair"
INVALIDATED = "invalidated-by-repair"
#: The tables whose rows make up a source's result (runs are history, not a source's rows).
SOURCE_TABLES = (ARTICLES, SEGMENTS, REJECTS)
SOURCE_NAMES = frozenset(spec.name for spec in SOURCE_TABLES)


@dataclass
class RepairReport:
    warehouse: str
    quarantine: str | None = None  # the folder damaged files went to
    moved: list[Problem] = field(default_factory=list)
    rebuilt: list[Problem] = field(default_factory=list)  # ledger buckets rewritten from the tables
    left: list[Problem] = field(default_factory=list)  # files of a newer babelfeed, not touched
    rebuilt_sources: int = 0
    reingest: list[str] = field(default_factory=list)  # sources the next ingest reads again
    lost: list[str] = field(default_factory=list)  # sources gone: their lost rows cannot come back
    temporaries: int = 0
    #: Files of the quarantine holding rows of incomplete articles, with their row counts.
    set_aside: list[tuple[str, int]] = field(default_factory=list)
    incomplete: int = 0  # articles whose rows went there

    @property
    def changed(self) -> bool:
        return bool(self.moved or self.rebuilt or self.temporaries or self.reingest or self.lost or self.set_aside)

    def lines(self) -> list[str]:
        if not self.changed and not self.left:
            return [f"warehouse {self.warehouse} is healthy: nothing to repair"]
        out = [f"moved aside to {self.quarantine}: {p.line()}" for p in self.moved]
        out += [f"rebuilt from the tables, the damaged file kept in {self.quarantine}: {p.line()}" for p in self.rebuilt]
        if self.temporaries:
            out.append(f"moved aside to {self.quarantine}: {self.temporaries} temporary file(s) of killed writes")
        out += [f"set aside as Parquet to {path}: {count} surviving rows of the {self.incomplete} article(s) "
                "damaged files left incomplete" for path, count in self.set_aside]
        if self.rebuilt_sources:
            out.append(f"ledger: {self.rebuilt_sources} entries rebuilt from the tables")
        out += [f"left in place: {p.line()}" for p in self.left]
        if self.reingest:
            out.append(f"the next `babelfeed ingest` of the same paths reads these {len(self.reingest)} source(s) again:")
            out += [f"  {uri}" for uri in self.reingest]
        if self.rebuilt and any(p.area in SOURCE_NAMES for p in self.moved):
            out.append("a source whose ledger entry and rows were both in damaged files is unknown to the ledger "
                       "now: the next ingest reads it as new")
        if self.lost:
            out.append(f"lost: these {len(self.lost)} source(s) no longer exist, so their rows in the moved files "
                       "cannot be restored:")
            out += [f"  {uri}" for uri in self.lost]
        return out


def source_exists(uri: str) -> bool:
    """Whether an input can still be read: a file (or a record's container file) that exists;
    a URL is taken to exist (the next run finds out)."""
    target = container_of(uri) or uri
    parts = urlsplit(target)
    if parts.scheme != "file":
        return True
    return Path(url2pathname(parts.path)).exists()


def _partition_of(path: str) -> str:
    """`.../articles/observed_date=2026-11-25/part-x.parquet` -> `2026-11-25`."""
    return path.rsplit("/", 2)[-2].split("=", 1)[-1]


def _rows(store: Storage, spec: TableSpec, columns: list[str], skip: set[str], partitions=None) -> pa.Table:
    """A table's columns and partition value, from its readable files only."""
    return read_table(store, spec, [*columns, spec.partition_column], partitions=partitions, exclude=skip)


def _rebuilt_entries(store: Storage, skip: set[str], buckets: set[int] | None, known: set[str]) -> tuple[
        list[LedgerEntry], set[str]]:
    """Ledger entries made from the rows of the sources in `buckets` (None: all) that `known`
    lacks, and the containers among them (whose entries cannot be made from rows)."""
    made: dict[str, LedgerEntry] = {}
    containers: set[str] = set()
    for spec, outcome in ((REJECTS, "reject"), (ARTICLES, "article")):  # an article wins over a reject
        rows = _rows(store, spec, ["source_uri", "content_hash", "observed_at", "run_id"], skip)
        for row in rows.to_pylist():
            uri = row["source_uri"]
            container = container_of(uri)
            owner = container or uri
            if owner in known or (buckets is not None and ledger.bucket_of(owner) not in buckets):
                continue
            if container:
                containers.add(container)
                continue
            made[uri] = LedgerEntry(uri, REBUILT, row["content_hash"], outcome, row["observed_at"],
                                    row["run_id"] or "repair", dates=(row[spec.partition_column],))
    return list(made.values()), containers


def _whole(store: Storage, entries: dict[str, LedgerEntry], lost_dates: set[str], skip: set[str]) -> set[str]:
    """The sources whose rows may have been in a damaged file and are not all there now."""
    candidates = [
        e for e in entries.values()
        if e.outcome in ("article", "reject", "container") and (e.dates is None or set(e.dates) & lost_dates)
    ]
    if not candidates:
        return set()
    partitions = None if any(e.dates is None for e in candidates) else lost_dates
    articles = _rows(store, ARTICLES, ["article_id", "sentence_count"], skip, partitions)
    expected = dict(zip(articles["article_id"].to_pylist(), articles["sentence_count"].to_pylist(), strict=True))
    segments = _rows(store, SEGMENTS, ["article_id"], skip, partitions)
    counted = Counter(segments["article_id"].to_pylist())
    rejected = set(_rows(store, REJECTS, ["source_uri"], skip, partitions)["source_uri"].to_pylist())
    broken = set()
    for entry in candidates:
        if entry.outcome == "container":
            broken.add(entry.source_uri)  # which of its records were lost is not known: all again
        elif entry.outcome == "reject":
            if entry.source_uri not in rejected:
                broken.add(entry.source_uri)
        else:
            aid = stable_id(entry.source_uri)
            if aid not in expected or (expected[aid] is not None and counted[aid] != expected[aid]):
                broken.add(entry.source_uri)
    return broken


def _invalidate(entry: LedgerEntry) -> LedgerEntry:
    return replace(entry, fingerprint=INVALIDATED, content_hash=None, shards_done=())


def _repair_ledger(
    store: Storage, problems: list[Problem], skip: set[str], stamp: str, report: RepairReport
) -> None:
    """Step 1: rebuild damaged buckets, invalidate the sources the damaged table files held."""
    damaged = {p.path for p in problems if p.area == "ledger"}
    buckets = {b for b in range(ledger.BUCKETS) if ledger.bucket_file(store, b) in damaged}
    legacy = [p for p in damaged if p not in {ledger.bucket_file(store, b) for b in buckets}]
    entries = ledger.load(store, skip=damaged)
    rebuilt: list[LedgerEntry] = []
    containers: set[str] = set()
    if damaged:  # a damaged legacy file held every source: rebuild all those the buckets lack
        rebuilt, containers = _rebuilt_entries(store, skip, None if legacy else buckets, set(entries))
        report.rebuilt_sources = len(rebuilt)
        entries.update((e.source_uri, e) for e in rebuilt)
    lost_dates = {_partition_of(p.path) for p in problems if p.area in SOURCE_NAMES}
    broken = _whole(store, entries, lost_dates, skip)
    for uri in broken:
        entries[uri] = _invalidate(entries[uri])
    pending = sorted({u for u, e in entries.items() if e.fingerprint == INVALIDATED} | containers)
    report.reingest = [u for u in pending if source_exists(u)]
    report.lost = [u for u in pending if not source_exists(u)]

    # A damaged bucket: keep the original, then write the bucket whole from what is known.
    for bucket in sorted(buckets):
        store.quarantine(ledger.bucket_file(store, bucket), stamp, keep_original=True)
        ledger.write_bucket(store, bucket, [e for u, e in entries.items() if ledger.bucket_of(u) == bucket])
    # Healthy buckets: the invalidated entries, and those rebuilt after a damaged legacy file.
    ledger.save(store, [entries[u] for u in sorted(broken | {e.source_uri for e in rebuilt})
                        if ledger.bucket_of(u) not in buckets], skip=legacy)
    for path in legacy:
        store.quarantine(path, stamp)
    report.rebuilt += [p for p in problems if p.path in damaged and p.path not in legacy]
    report.moved += [p for p in problems if p.path in legacy]


def _set_aside_incomplete(store: Storage, problems: list[Problem], skip: set[str], stamp: str,
                          report: RepairReport) -> None:
    """Step 2: the rows of articles a damaged file left incomplete, into the quarantine."""
    damaged = sorted({_partition_of(p.path) for p in problems if p.area in (ARTICLES.name, SEGMENTS.name)})
    for value in damaged:
        articles = _rows(store, ARTICLES, ["article_id", "sentence_count"], skip, [value])
        expected = dict(zip(articles["article_id"].to_pylist(), articles["sentence_count"].to_pylist(), strict=True))
        counted = Counter(_rows(store, SEGMENTS, ["article_id"], skip, [value])["article_id"].to_pylist())
        incomplete = sorted({a for a in counted if a not in expected}
                            | {a for a, n in expected.items() if n is not None and counted[a] != n})
        if not incomplete:
            continue
        report.incomplete += len(incomplete)
        ids = pa.array(incomplete, pa.string())
        for spec in (ARTICLES, SEGMENTS):
            rows = read_table(store, spec, filter=pc.field(spec.replace_by).isin(ids), partitions=[value], exclude=skip)
            if rows.num_rows:
                target = store.path(QUARANTINE, stamp, spec.name, f"{spec.partition_column}={value}",
                                    f"rows-set-aside-{uuid.uuid4().hex[:8]}.parquet")
                write_table_file(store, rows.drop_columns([spec.partition_column]), target, spec.name)
                report.set_aside.append((target, rows.num_rows))
        for spec in (ARTICLES, SEGMENTS):  # only once the copies are whole
            commit(store, spec, spec.schema.empty_table(), delete=incomplete, may_hold=[value], exclude=skip)


def _record(settings: Settings, store: Storage, started: datetime, report: RepairReport) -> None:
    row = {
        "run_id": started.strftime("%Y%m%dT%H%M%SZ-repair"),
        "flow": "repair",
        "status": "completed",
        "started_at": started,
        "finished_at": datetime.now(UTC),
        "parameters": json.dumps({"warehouse": settings.warehouse}),
        "message": "\n".join(report.lines()),
    }
    commit(store, RUNS, runs_table(row), may_hold=())


def refuse(problems: list[Problem]) -> None:
    """Raise for the problems no run may write past: a file of a newer babelfeed, a damaged
    table file (the ledger alone a run rebuilds itself)."""
    too_new = [p for p in problems if not p.movable]
    if too_new:
        raise WarehouseTooNewError(f"{too_new[0].line()}: this babelfeed ({PIPELINE_VERSION}) must not write to it")
    tables = [p for p in problems if p.area != "ledger"]
    if tables:
        more = f"; and {len(tables) - 1} more file(s), `babelfeed check` lists them" if len(tables) > 1 else ""
        raise WarehouseDamagedError(tables[0].path, tables[0].detail + more)


def prepare(settings: Settings) -> None:
    """What a run does before it writes (holding the warehouse): a quick scan of every file.

    A damaged table file stops the run with one line naming it and `babelfeed repair`: only a
    person can decide that its rows are gone. A damaged ledger needs no decision, since the
    tables hold everything it records, so it is rebuilt on the spot with a warning.
    """
    store = resolve(settings.warehouse)
    problems = scan(store, full=False, record=Path(settings.state_path) / RECORD)
    refuse(problems)
    if problems:
        stamp = quarantine_stamp()
        report = RepairReport(settings.warehouse, store.path(QUARANTINE, stamp))
        _repair_ledger(store, problems, {p.path for p in problems}, stamp, report)
        for line in report.lines():
            log.warning("damaged ledger: %s", line)


def repair(settings: Settings) -> RepairReport:
    """Repair the warehouse `settings` names, holding it like a run does (see the module)."""
    store = resolve(settings.warehouse)
    started = datetime.now(UTC)
    stamp = quarantine_stamp()
    report = RepairReport(settings.warehouse, store.path(QUARANTINE, stamp))
    with warehouse_lock(settings.state_path, f"repair-{stamp}", settings.lock_timeout, label=settings.warehouse):
        problems = scan(store, settings.state_path, full=True)
        report.left = [p for p in problems if not p.movable]
        moving = [p for p in problems if p.movable]
        files = [p for p in moving if p.area != "state"]
        skip = {p.path for p in files}
        _repair_ledger(store, files, skip, stamp, report)
        _set_aside_incomplete(store, files, skip, stamp, report)
        for problem in files:
            if problem.area != "ledger":
                store.quarantine(problem.path, stamp)
                report.moved.append(problem)
        temporaries = [t for name in TABLES for t in store.temporaries(store.path(name))]
        temporaries += store.temporaries(store.path("_state", "ledger"))
        for path in temporaries:
            store.quarantine(path, stamp)
        report.temporaries = len(temporaries)
        state = [Path(p.path) for p in moving if p.area == "state"]
        index = Path(settings.state_path) / "dedup.sqlite"
        if any(p.area == ARTICLES.name for p in files) and index.exists() and index not in state:
            state.append(index)  # rebuilt by the next run from the articles that remain
        for path in state:
            set_aside(path, settings.state_path, settings.warehouse, stamp)
        report.moved += [p for p in moving if p.area == "state"]
        if report.changed:
            _record(settings, store, started, report)
    return report
