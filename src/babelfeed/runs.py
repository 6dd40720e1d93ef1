"""A run's record: started, committed (or failed), and what a person reads about it.

The commit writes tables in an order chosen for crash safety: segments, rejects, articles,
then the source ledger, then the run's row. Until the ledger is written, the next run sees the
inputs as not ingested and redoes them, so an interrupted run heals; and each partition file is
replaced atomically, so readers never see a partial file.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.dataset as ds

from babelfeed.article import BatchResult, Outcome, TranslationStatus, stable_id
from babelfeed.incremental import Plan, Window
from babelfeed.pipeline import BatchOutcome, timed
from babelfeed.settings import Settings
from babelfeed.translate import TranslationStats
from babelfeed.warehouse import ARTICLES, REJECTS, RUNS, SEGMENTS, commit, ledger, read_table
from babelfeed.warehouse.records import articles_table, rejects_table, runs_table, segments_table

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
            f"sentences: {c['sentences']} ({c['sentences_from_cache']} distinct from cache)",
        ]
        for language, hint in sorted(self.missing_models.items()):
            out.append(f"untranslated {language}: no {language}->en model installed; install one with: {hint}")
        for language, error in sorted(self.failures.items()):
            out.append(f"translation of {language} failed: {error}")
        if self.reject_reasons:
            out.append("rejects: " + ", ".join(f"{k}={v}" for k, v in sorted(self.reject_reasons.items())))
        out.append(f"tables: {self.warehouse}/{{articles,segments,rejects,runs}}")
        return out


def mark_abandoned(settings: Settings, current_run: str) -> int:
    """Runs still `running` while we hold the lock died without finishing: say so."""
    where = (ds.field("status") == "running") & (ds.field("run_id") != current_run)
    stale = read_table(settings.warehouse, RUNS, filter=where).drop_columns([RUNS.partition_column])
    rows = stale.to_pylist()
    for row in rows:
        row["status"] = "abandoned"
        row["message"] = "the process ended before the run finished; a later run redid its work"
    if rows:
        commit(settings.warehouse, RUNS, pa.Table.from_pylist(rows, schema=RUNS.schema))
    return len(rows)


def start_run(settings: Settings, context: RunContext) -> None:
    """Record the run as `running` (call while holding the warehouse lock)."""
    abandoned = mark_abandoned(settings, context.run_id)
    if abandoned:
        log.warning("%d earlier run(s) had died mid-run; marked abandoned", abandoned)
    commit(settings.warehouse, RUNS, runs_table(context.row("running")))


def fail_run(settings: Settings, context: RunContext, error: BaseException) -> None:
    row = context.row("failed", finished_at=datetime.now(UTC), message=f"{type(error).__name__}: {error}")
    commit(settings.warehouse, RUNS, runs_table(row))


def commit_run(
    outcomes: list[BatchOutcome],
    settings: Settings,
    context: RunContext,
    plan: Plan,
    retranslated: BatchOutcome | None = None,
) -> RunReport:
    """Write every batch's rows, then the ledger, then the run's row."""
    total = BatchResult()
    stats = TranslationStats()
    for outcome in [*outcomes, *([retranslated] if retranslated else [])]:
        total.merge(outcome.result)
        stats.sentences += outcome.translation.sentences
        stats.cache_hits += outcome.translation.cache_hits
        stats.missing_models.update(outcome.translation.missing_models)
        stats.failures.update(outcome.translation.failures)
    now = datetime.now(UTC)
    root = settings.warehouse
    rejected_uris = {r.source_uri for r in total.rejects}
    gone_ids = [stable_id(uri) for uri in rejected_uris]  # an input that became a reject loses its article
    with timed(total, "write"):
        commit(root, SEGMENTS, segments_table(total.articles, context.run_id), delete=gone_ids)
        commit(
            root, REJECTS, rejects_table(total.rejects, context.run_id, now),
            delete=[a.source_uri for a in total.articles],
        )
        commit(root, ARTICLES, articles_table(total.articles, context.run_id, now), delete=gone_ids)
        ledger.save(root, total.ledger)

    statuses = Counter(str(a.translation_status) for a in total.articles)
    counts = {
        "discovered": plan.discovered,
        "unchanged": plan.unchanged + total.outcomes[Outcome.UNCHANGED],
        "new": total.outcomes[Outcome.NEW],
        "updated": total.outcomes[Outcome.UPDATED],
        "rejected": len(total.rejects),
        "articles": len(total.articles),
        "retranslated": len(retranslated.result.articles) if retranslated else 0,
        "sentences": stats.sentences,
        "sentences_from_cache": stats.cache_hits,
        **{s: statuses.get(s, 0) for s in map(str, TranslationStatus)},
    }
    report = RunReport(
        run_id=context.run_id,
        flow=context.flow,
        warehouse=str(root),
        counts=counts,
        statuses=dict(statuses),
        languages=dict(Counter(a.language for a in total.articles)),
        reject_reasons=dict(Counter(str(r.reason) for r in total.rejects)),
        missing_models=stats.missing_models,
        failures=stats.failures,
        stage_seconds={k: round(v, 4) for k, v in sorted(total.seconds.items())},
        by_language=sorted(
            (lang, status, n)
            for (lang, status), n in Counter(
                (a.language, str(a.translation_status)) for a in total.articles
            ).items()
        ),
    )
    row = context.row(
        "completed",
        finished_at=datetime.now(UTC),
        languages=report.languages,
        stage_seconds=report.stage_seconds,
        message="\n".join(report.lines()),
        **counts,
    )
    commit(root, RUNS, runs_table(row))
    return report
