"""What a person sees of a run in the Prefect UI: tables and a markdown summary.

Keys are stable (`babelfeed-...`) so the UI's artifact page shows each one as a history across
runs, and so tools can read the latest with `prefect artifact inspect babelfeed-summary`.
"""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from babelfeed.runs import RunReport

KEYS = {
    "counts": "babelfeed-counts",
    "rejects": "babelfeed-rejects",
    "stages": "babelfeed-stages",
    "summary": "babelfeed-summary",
}


def publish(report: RunReport) -> None:
    counts = [
        {"language": lang, "outcome": status, "articles": n} for lang, status, n in report.by_language
    ]
    counts += [
        {"language": "(all inputs)", "outcome": name, "articles": report.counts[name]}
        for name in ("new", "updated", "unchanged", "rejected")
    ]
    create_table_artifact(
        key=KEYS["counts"], table=counts,
        description=f"Articles written per language and translation status, and inputs by outcome ({report.flow} run {report.run_id})",
    )
    create_table_artifact(
        key=KEYS["rejects"],
        table=[{"reason": r, "inputs": n} for r, n in sorted(report.reject_reasons.items())] or [{"reason": "(none)", "inputs": 0}],
        description=f"Inputs rejected by reason ({report.run_id}); details in the warehouse's rejects table",
    )
    create_table_artifact(
        key=KEYS["stages"],
        table=[{"stage": s, "seconds": v} for s, v in report.stage_seconds.items()],
        description=f"Seconds spent per stage, summed over batches ({report.run_id})",
    )
    create_markdown_artifact(key=KEYS["summary"], markdown=_markdown(report), description=f"babelfeed {report.flow} run {report.run_id}")


def _markdown(report: RunReport) -> str:
    lines = [f"# babelfeed {report.flow} run `{report.run_id}`", ""]
    lines += [f"- {line}" for line in report.lines()]
    if report.by_language:
        lines += ["", "| language | status | articles |", "|---|---|---|"]
        lines += [f"| {lang} | {status} | {n} |" for lang, status, n in report.by_language]
    return "\n".join(lines) + "\n"
