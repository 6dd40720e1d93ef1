"""A run's record: started, committed chunk by chunk (or failed), and what a person reads.

A run commits its results in chunks (every `chunk_articles` articles or `chunk_seconds`
seconds), so memory stays bounded and a killed run loses at most the chunk in hand. Each
chunk writes tables in an order chosen for crash safety: segments, rejects, articles, then the
ledger entries of exactly the inputs (and container shards) whose rows it holds; the
duplicate index (`dedup`) is saved just before the articles. Until its
ledger entries are written, the next run sees those inputs as not ingested and redoes them,
so an interrupted run heals; each partition file is replaced atomically, so readers never see
a partial file. The run keeps counters, never rows: its row in `runs` is written at the end.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pyarrow as pa

from babelfeed import dedup
from babelfeed.article import BatchResult, LedgerEntry, Outcome, TranslationStatus, stable_id
from babelfeed.dates import partition_date
from babelfeed.incremental import Plan, Window, container_of
from babelfeed.normalize import site_lines
from babelfeed.pipeline import BatchOutcome, timed, translation_cache
from babelfeed.settings import Settings
from babelfeed.translate import Device, TranslationStats
from babelfeed.warehouse import ARTICLES, REJECTS, RUNS, SEGMENTS, commit, ledger, read_table
from babelfeed.warehouse.records import articles_table, rejects_table, runs_table, segments_table
from babelfeed.warehouse.repair import prepare
from babelfeed.warehouse.storage import resolve
from babelfeed.warehouse.writer import partition_values

log = logging.getLogger(__name__)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]


@dataclass
class RunContext:
    """What identifies a run; created when it starts, carried to its commit."""

    run_id: str
    flow: str
    started_at: datetime
    parameters: str
    window: Window | None = None

    def row(self, status: str, **values) -> dict:
        return {
            "run_id": self.run_id,
            "flow": self.flow,
            "status": status,
            "started_at": self.started_at,
            "parameters": self.parameters,
            "window_start": self.window.start if self.window else None,
            "window_end": self.window.end if self.window else None,
            **values,
        }


@dataclass
class RunReport:
    run_id: str
    flow: str
    warehouse: str
    counts: dict[str, int]
    statuses: dict[str, int]
    languages: dict[str, int]
    reject_reasons: dict[str, int]
    missing_models: dict[str, str]
    failures: dict[str, str]
    stage_seconds: dict[str, float] = field(default_factory=dict)
    #: (language, translation status, articles) for the rows written
    by_language: list[tuple[str, str, int]] = field(default_factory=list)
    wall_seconds: float = 0.0
    workers: int = 1
    commits: int = 0
    translate_device: str | None = None
    translate_compute_type: str | None = None
    #: per second of model time summed over workers (one translator process's rate)
    sentences_per_second: float | None = None
    tokens_per_second: float | None = None

    def lines(self) -> list[str]:
        """A short, plain-text summary for logs and terminals."""
        c = self.counts
        out = [
            f"{self.flow} run {self.run_id}: {c['discovered']} inputs: {c['new']} new, "
            f"{c['updated']} updated, {c['unchanged']} unchanged, {c['rejected']} rejected",
            f"articles written: {c['articles']}"
            + (f" ({c['retranslated']} re-translated from the warehouse)" if c["retranslated"] else ""),
            "languages: " + (", ".join(f"{k}={v}" for k, v in sorted(self.languages.items())) or "none"),
            "translation: " + (", ".join(f"{k}={v}" for k, v in sorted(self.statuses.items())) or "nothing to do"),
            f"sentences: {c['sentences']} ({c['sentences_from_cache']} distinct from cache, "
            f"{c['sentences_flagged']} flagged)",
        ]
        if self.translate_device:
            out.append(
                f"models on {self.translate_device} ({self.translate_compute_type}): "
                + (f"{c['sentences_translated']} sentences, {c['tokens_translated']} tokens, "
                   f"{self.sentences_per_second:.1f} sentences/s and {self.tokens_per_second:.0f} tokens/s per worker"
                   if self.sentences_per_second else "no sentence needed one")
            )
        for language, hint in sorted(self.missing_models.items()):
            out.append(f"untranslated {language}: no {language}->en model installed; install one with: {hint}")
        for language, error in sorted(self.failures.items()):
            out.append(f"translation of {language} failed: {error}")
        if self.reject_reasons:
            out.append("rejects: " + ", ".join(f"{k}={v}" for k, v in sorted(self.reject_reasons.items())))
        out.append(
            f"wall time: {self.wall_seconds:.1f} s on {self.workers} worker(s), "
            f"{self.commits} commit(s); stage seconds are summed over workers"
            if self.workers else
            f"wall time: {self.wall_seconds:.1f} s in one process (no worker needed), {self.commits} commit(s)"
        )
        out.append(f"tables: {self.warehouse}/{{articles,segments,rejects,runs}}")
        return out


def _latest_runs(settings: Settings) -> pa.Table:
    """The rows of the newest `run_date` partition, the only place the last run can be: runs
    hold the warehouse one at a time and each marks the one before it, so history need not
    be read to find a run that died or failed."""
    store = resolve(settings.warehouse)
    dates = partition_values(store, RUNS)
    table = read_table(store, RUNS, partitions=dates[-1:])
    return table.drop_columns([RUNS.partition_column])


def start_run(settings: Settings, context: RunContext) -> bool:
    """Record the run as `running` (call while holding the warehouse lock).

    First the warehouse is checked (`repair.prepare`: a damaged table file stops the run, a
    damaged ledger is rebuilt) and the translation cache opened, healing it if it must. Earlier
    runs still `running` died without finishing: they are marked `abandoned`. Returns whether
    this run must heal: the last run died or failed after writing some tables but not their
    ledger entries (or a repair rebuilt the ledger), so rows may sit in partitions the ledger
    does not name. A healing run's commits look for replaced rows in every partition.
    """
    prepare(settings)  # a damaged table file stops the run here, before it writes
    translation_cache(settings, heal=True)  # a damaged cache is moved aside before workers open it
    latest = _latest_runs(settings)
    last = latest.sort_by([("started_at", "descending")]).slice(0, 1).to_pylist()
    # After a failed run or a repair, rows may sit in partitions the ledger does not name.
    failed = bool(last) and (last[0]["status"] == "failed" or last[0]["flow"] == "repair")
    stale = [row for row in latest.to_pylist() if row["status"] == "running" and row["run_id"] != context.run_id]
    for row in stale:
        row["status"] = "abandoned"
        row["message"] = "the process ended before the run finished; a later run redid its work"
    if stale:
        log.warning("%d earlier run(s) had died mid-run; marked abandoned", len(stale))
        commit(settings.warehouse, RUNS, pa.Table.from_pylist(stale, schema=RUNS.schema), may_hold=())
    commit(settings.warehouse, RUNS, runs_table(context.row("running")), may_hold=())
    return failed or bool(stale)


def fail_run(settings: Settings, context: RunContext, error: BaseException) -> None:
    row = context.row("failed", finished_at=datetime.now(UTC), message=f"{type(error).__name__}: {error}")
    commit(settings.warehouse, RUNS, runs_table(row), may_hold=())


@dataclass
class _Totals:
    """What a run did, as counters: the rows themselves are gone once committed."""

    outcomes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    by_language: Counter[tuple[str, str]] = field(default_factory=Counter)
    reject_reasons: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)
    articles: int = 0
    retranslated: int = 0
    translation: TranslationStats = field(default_factory=TranslationStats)


class RunWriter:
    """Commits one run's results chunk by chunk and keeps its totals.

    `known` holds the ledger entries the run was planned against: the partitions an input's
    earlier rows live in (`LedgerEntry.dates`) are the only ones a commit that replaces them
    has to read, so a commit's cost follows the chunk, not the warehouse's history. With
    `heal` (an earlier run died mid-commit), or for inputs whose entry predates `dates`, every
    partition is searched.
    """

    def __init__(
        self, settings: Settings, context: RunContext, known: Mapping[str, LedgerEntry], heal: bool
    ) -> None:
        self.settings = settings
        self.context = context
        self.known = known
        self.heal = heal
        self.totals = _Totals()
        self.commits = 0
        self._pending = BatchResult()
        self._retranslated_dates: set[str] = set()
        self._last_commit = time.monotonic()
        self._duplicates: dedup.DuplicateIndex | None = None  # loaded at the first commit that needs it
        self._site_lines: site_lines.SiteLines | None = None  # likewise

    def _duplicate_index(self) -> dedup.DuplicateIndex:
        if self._duplicates is None:
            self._duplicates = dedup.open_index(
                self.settings.state_path / "dedup.sqlite", self.settings.warehouse, self.settings.dedup_threshold
            )
        return self._duplicates

    def _site_line_count(self) -> site_lines.SiteLines:
        if self._site_lines is None:
            self._site_lines = site_lines.open_index(
                self.settings.state_path / site_lines.FILE, self.settings.warehouse
            )
        return self._site_lines

    @property
    def pending_articles(self) -> int:
        return len(self._pending.articles)

    def add(
        self, outcome: BatchOutcome | BatchResult, container: LedgerEntry | None = None,
        retranslated: bool = False,
    ) -> bool:
        """Take one unit's results; commit when a chunk is due. Returns whether it committed.

        `container` is the ledger entry of the container shard the results came from (see
        `WorkUnit.container`): it is recorded with this chunk, so a killed run resumes after
        the shard.
        """
        result = outcome if isinstance(outcome, BatchResult) else outcome.result
        if isinstance(outcome, BatchOutcome):
            self.totals.translation.merge(outcome.translation)
        if container is not None:
            result.ledger.append(replace(container, dates=tuple(sorted(result.dates)), run_id=self.context.run_id))
        if retranslated:
            self.totals.retranslated += len(result.articles)
            self._retranslated_dates |= {partition_date(a.observed_at) for a in result.articles}
        self._pending.merge(result)
        due = (
            len(self._pending.articles) >= self.settings.chunk_articles
            or time.monotonic() - self._last_commit >= self.settings.chunk_seconds
        )
        if due:
            self.flush()
        return due

    def _may_hold(self, uris: Iterable[str]) -> set[str] | None:
        """Partitions that may hold earlier rows of these inputs; None: they could be anywhere."""
        if self.heal:
            return None
        found = set(self._retranslated_dates)
        for uri in uris:
            entry = self.known.get(uri) or self.known.get(container_of(uri) or uri)
            if entry is None:
                continue
            if entry.dates is None:
                return None
            found.update(entry.dates)
        return found

    def flush(self) -> None:
        """Commit what is pending: tables first, then the ledger entries of what they hold."""
        chunk, self._pending = self._pending, BatchResult()
        self._last_commit = time.monotonic()
        if not (chunk.articles or chunk.rejects or chunk.ledger):
            self._count(chunk)
            return
        now = datetime.now(UTC)
        root = self.settings.warehouse
        run_id = self.context.run_id
        rejected_uris = {r.source_uri for r in chunk.rejects}
        gone_ids = [stable_id(uri) for uri in rejected_uris]  # an input turned reject loses its article
        may_hold = self._may_hold([*rejected_uris, *(a.source_uri for a in chunk.articles)])
        if chunk.articles or gone_ids:
            with timed(chunk, "dedup"):
                duplicates = self._duplicate_index()
                duplicates.forget(gone_ids)
                chunk.articles = duplicates.assign(chunk.articles)
        if chunk.articles:
            with timed(chunk, "normalize"):  # the site's lines, for its next pages
                self._site_line_count().record(chunk.articles)
        with timed(chunk, "write"):
            commit(root, SEGMENTS, segments_table(chunk.articles, run_id), delete=gone_ids, may_hold=may_hold)
            commit(
                root, REJECTS, rejects_table(chunk.rejects, run_id, now),
                delete=[a.source_uri for a in chunk.articles], may_hold=may_hold,
            )
            # The index before the articles: a run killed between the two redoes the chunk and
            # finds its articles indexed with the same text, so their groups do not change.
            if self._duplicates is not None:
                self._duplicates.save()
            if self._site_lines is not None:
                self._site_lines.save()
            commit(root, ARTICLES, articles_table(chunk.articles, run_id, now), delete=gone_ids, may_hold=may_hold)
            ledger.save(root, chunk.ledger)
        # Arrow's allocator keeps freed pages for reuse; a run commits many chunks, and without
        # handing them back the flow's memory would climb with every commit.
        pa.default_memory_pool().release_unused()
        self._retranslated_dates.clear()
        self.commits += 1
        self._count(chunk)

    def _count(self, chunk: BatchResult) -> None:
        t = self.totals
        t.outcomes.update(chunk.outcomes)
        t.seconds.update(chunk.seconds)
        t.articles += len(chunk.articles)
        for a in chunk.articles:
            status = str(a.translation_status)
            t.statuses[status] += 1
            t.languages[a.language] += 1
            t.by_language[(a.language, status)] += 1
        t.reject_reasons.update(str(r.reason) for r in chunk.rejects)

    def finish(self, plan: Plan, wall_seconds: float, workers: int, device: Device) -> RunReport:
        """Commit the last chunk and record the run as completed (`device`: where the run's
        models were to run, recorded even when none had to)."""
        self.flush()
        t = self.totals
        tr = t.translation
        counts = {
            "discovered": plan.discovered,
            "unchanged": plan.unchanged + t.outcomes[Outcome.UNCHANGED],
            "new": t.outcomes[Outcome.NEW],
            "updated": t.outcomes[Outcome.UPDATED],
            "rejected": sum(t.reject_reasons.values()),
            "articles": t.articles,
            "retranslated": t.retranslated,
            "sentences": tr.sentences,
            "sentences_from_cache": tr.cache_hits,
            "sentences_translated": tr.translated_sentences,
            "tokens_translated": tr.tokens,
            "sentences_flagged": tr.flagged_sentences,
            **{s: t.statuses.get(s, 0) for s in map(str, TranslationStatus)},
        }
        report = RunReport(
            run_id=self.context.run_id,
            flow=self.context.flow,
            warehouse=str(self.settings.warehouse),
            counts=counts,
            statuses=dict(t.statuses),
            languages=dict(t.languages),
            reject_reasons=dict(t.reject_reasons),
            missing_models=tr.missing_models,
            failures=tr.failures,
            stage_seconds={k: round(v, 4) for k, v in sorted(t.seconds.items())},
            by_language=sorted((lang, status, n) for (lang, status), n in t.by_language.items()),
            wall_seconds=round(wall_seconds, 3),
            workers=workers,
            commits=self.commits,
            translate_device=tr.device or device.name,
            translate_compute_type=tr.compute_type or device.compute_type,
            sentences_per_second=round(tr.translated_sentences / tr.model_seconds, 2) if tr.model_seconds else None,
            tokens_per_second=round(tr.tokens / tr.model_seconds, 1) if tr.model_seconds else None,
        )
        row = self.context.row(
            "completed",
            finished_at=datetime.now(UTC),
            languages=report.languages,
            stage_seconds=report.stage_seconds,
            wall_seconds=report.wall_seconds,
            workers=workers,
            commits=self.commits,
            translate_device=report.translate_device,
            translate_compute_type=report.translate_compute_type,
            sentences_per_second=report.sentences_per_second,
            tokens_per_second=report.tokens_per_second,
            message="\n".join(report.lines()),
            **counts,
        )
        commit(self.settings.warehouse, RUNS, runs_table(row), may_hold=())
        if self._duplicates is not None:
            self._duplicates.close()
        if self._site_lines is not None:
            self._site_lines.close()
        return report
