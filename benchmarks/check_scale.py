"""What does the warehouse health scan cost as history grows? (issue 12)

Every run scans the warehouse before it writes (`repair.prepare`: a quick scan, each Parquet
file's footer and metadata; in `health.READERS` threads on an object store, one thread on a
local disk), and `babelfeed check` makes a
full scan (every page, with its checksum, and a row count). Both open every file the warehouse
is made of, so their cost grows with its history: this benchmark says by how much, on a
warehouse of realistic shape, against the cheapest way to read the same files.

warehouse   D daily partitions (default 365, `--quick` 30) of articles (20 a day of ~2 KB
            English text, one segment per sentence), segments and rejects (2 a day), one
            `runs` row a day, all written by `warehouse.commit`; and a ledger of those sources
            saved by `ledger.save` (so every bucket exists). One file per partition, as the
            daily runs that commit into a partition's newest file leave it.
quick scan  `health.scan(store, None, full=False)` against a bare single-thread loop of
            `pyarrow.parquet.read_metadata` over the same files: what the checks (schema
            version, table, column types) cost over reading the footers.
full scan   `health.scan(store, None, full=True)` against a bare loop of
            `pyarrow.parquet.read_table` over the same files: what checksums and a streamed
            row count cost over reading the data.
prepare     `repair.prepare(Settings(warehouse=...))` end to end (it lists the partitions
            too): once without the record of files already found whole (`health.RECORD`: the
            first run), and with it, nothing having changed (every later run reads only the
            files written or changed since); and the latter's share of a no-op scheduled run: `babelfeed ingest EMPTY_FOLDER
            --warehouse WH` as a subprocess against a temporary Prefect server (a run with
            nothing to read still starts, scans, looks for a translation backlog and commits
            its `runs` rows). `--no-run` skips the run (and the Prefect server).

Timings are best of --repeats, wall clock, in this process (the run: a subprocess); peak RSS
is this process's, sampled every 50 ms during the operation, with its growth over the RSS
before it (the run: its process tree's peak). Both scans list the partitions first; a row
times that listing alone. The
files were just written, so reads come from the page cache: these are warm-cache figures,
the floor of what a scan costs; on a cold disk or an object store each file is one or two
requests more. The no-op run goes last, since it adds its `runs` rows to the warehouse.

Usage: python benchmarks/check_scale.py [--quick] [--days 365] [--articles-per-day 20]
                                        [--repeats 3] [--no-run] [--markdown PATH]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    MIB,
    CliRun,
    TreeSampler,
    cli_env,
    machine_line,
    prefect_server,
    run_cli,
)
from scale import BABELFEED, english_sentences, markdown_table, plain_table  # noqa: E402

from babelfeed.article import (  # noqa: E402
    Article,
    LedgerEntry,
    Reject,
    RejectReason,
    Segment,
    TranslationStatus,
    stable_id,
)
from babelfeed.settings import Settings  # noqa: E402
from babelfeed.warehouse import ARTICLES, REJECTS, RUNS, SEGMENTS, commit, ledger  # noqa: E402
from babelfeed.warehouse.health import RECORD, parquet_files, scan  # noqa: E402
from babelfeed.warehouse.records import (  # noqa: E402
    articles_table,
    rejects_table,
    runs_table,
    segments_table,
)
from babelfeed.warehouse.repair import prepare  # noqa: E402
from babelfeed.warehouse.storage import Storage, resolve  # noqa: E402

NEWEST = datetime(2026, 9, 30, 6, tzinfo=UTC)
TEXT_BYTES = 2_000
REJECTS_PER_DAY = 2
HEADERS = ["figure", "seconds", "s / 1,000 files", "peak RSS MiB (growth)", "baseline", "ratio"]


@dataclass(frozen=True)
class Timing:
    seconds: float  # best of the repeats
    peak_rss_mib: float  # highest sampled RSS of this process over all repeats
    growth_mib: float  # that peak less the RSS before the first repeat


# ---------------------------------------------------------------------------------------------
# The warehouse
# ---------------------------------------------------------------------------------------------

def article(rng: random.Random, day: datetime, n: int) -> Article:
    """~TEXT_BYTES of English in three paragraphs, one segment per sentence."""
    pool = english_sentences()
    uri = f"file:///landing/{day:%Y-%m-%d}/story-{n:03d}.html"
    sentences: list[str] = []
    while sum(len(s) + 1 for s in sentences) < TEXT_BYTES:
        sentences.append(rng.choice(pool))
    third = max(1, len(sentences) // 3)
    segments, pieces, start = [], [], 0
    for i, sentence in enumerate(sentences):
        paragraph = min(i // third, 2)
        if pieces:
            sep = "\n\n" if paragraph != segments[-1].paragraph_index else " "
            pieces.append(sep)
            start += len(sep)
        end = start + len(sentence)
        segments.append(Segment(paragraph, i, start, end, sentence, sentence, language="en"))
        pieces.append(sentence)
        start += len(sentence)
    text = "".join(pieces)
    observed = day + timedelta(minutes=3 * n)
    return Article(stable_id(uri), uri, "file", observed, f"{rng.getrandbits(256):064x}", text,
                   title=sentences[0][:80], site="The Meridian Herald", language="en",
                   language_confidence=0.99, segments=tuple(segments), text_english=text,
                   translation_status=TranslationStatus.NOT_NEEDED)


def build(store: Storage, days: int, per_day: int) -> tuple[int, int, int]:
    """`days` daily partitions of every table and the ledger of their sources; returns the
    articles, segments and rejects written."""
    rng = random.Random(0)
    articles: list[Article] = []
    rejects: list[Reject] = []
    runs = []
    entries: list[LedgerEntry] = []
    for d in range(days):
        day = NEWEST - timedelta(days=d)
        run_id = f"{day:%Y%m%dT%H%M%SZ}-ingest"
        todays = [article(rng, day, n) for n in range(per_day)]
        refused = [Reject(f"file:///landing/{day:%Y-%m-%d}/empty-{n}.txt", RejectReason.TOO_SHORT,
                          "3 letters of text; at least 20 are needed to tell its language", day,
                          "extract", f"{rng.getrandbits(256):064x}")
                   for n in range(REJECTS_PER_DAY)]
        dates = (f"{day:%Y-%m-%d}",)
        mtime = int(day.timestamp())
        entries += [LedgerEntry(a.source_uri, f"{len(a.text)}:{mtime}", a.content_hash, "article",
                                a.observed_at, run_id, dates) for a in todays]
        entries += [LedgerEntry(r.source_uri, f"3:{mtime}", r.content_hash, "reject",
                                r.observed_at, run_id, dates) for r in refused]
        runs.append(runs_table({
            "run_id": run_id, "flow": "ingest", "status": "completed", "started_at": day,
            "finished_at": day + timedelta(minutes=5), "discovered": per_day + REJECTS_PER_DAY,
            "new": per_day + REJECTS_PER_DAY, "articles": per_day, "rejected": REJECTS_PER_DAY,
            "not_needed": per_day, "languages": {"en": per_day}, "stage_seconds": {"extract": 1.0},
            "message": "completed",
        }))
        articles += todays
        rejects += refused
    ingested = NEWEST + timedelta(hours=1)
    segments = segments_table(articles, "bench")
    commit(store, ARTICLES, articles_table(articles, "bench", ingested), may_hold=[])
    commit(store, SEGMENTS, segments, may_hold=[])
    commit(store, REJECTS, rejects_table(rejects, "bench", ingested), may_hold=[])
    commit(store, RUNS, pa.concat_tables(runs), may_hold=[])
    ledger.save(store, entries)
    return len(articles), segments.num_rows, len(rejects)


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------

def best_of(action: Callable[[], object], repeats: int) -> Timing:
    """Best wall time of `repeats` calls, and this process's peak RSS while they ran."""
    times = []
    before = psutil.Process().memory_info().rss
    with TreeSampler(os.getpid()) as sampler:
        for _ in range(repeats):
            start = time.perf_counter()
            action()
            times.append(time.perf_counter() - start)
    return Timing(min(times), sampler.peak_bytes / MIB, max(0, sampler.peak_bytes - before) / MIB)


def times(measured: Timing, baseline: Timing) -> str:
    return f"{measured.seconds / baseline.seconds:.2f}x"


def metadata_loop(store: Storage, paths: list[str]) -> None:
    for path in paths:
        pq.read_metadata(path, filesystem=store.fs)


def table_loop(store: Storage, paths: list[str]) -> None:
    for path in paths:
        pq.read_table(path, filesystem=store.fs)


def quiet_scan(store: Storage, full: bool) -> None:
    problems = scan(store, None, full=full)
    if problems:  # a figure over a damaged warehouse would measure something else
        raise RuntimeError(f"the benchmark's own warehouse is damaged: {problems[0].line()}")


def noop_runs(wh: Path, work: Path, repeats: int) -> list[CliRun]:
    """`babelfeed ingest EMPTY --warehouse WH`, `repeats` times, against one Prefect server."""
    landing = work / "landing"
    landing.mkdir()
    extra = {"BABELFEED_ONLINE_MODELS": "false", "ARGOS_PACKAGES_DIR": str(work / "argos"),
             "ARGOS_PACKAGE_INDEX": "http://127.0.0.1:9/"}
    argv = [BABELFEED, "ingest", str(landing), "--warehouse", str(wh)]
    with prefect_server() as api_url:
        env = cli_env(api_url, **extra)
        return [run_cli(f"no-op run {i + 1}", argv, env, work / "logs") for i in range(repeats)]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 daily partitions (a smoke test)")
    parser.add_argument("--days", type=int, help="daily partitions (default 365; --quick: 30)")
    parser.add_argument("--articles-per-day", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many")
    parser.add_argument("--no-run", action="store_true",
                        help="skip the no-op run (and the Prefect server it needs)")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    args = parser.parse_args(argv)
    if args.days is None:
        args.days = 30 if args.quick else 365
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for var in ("BABELFEED_WAREHOUSE", "BABELFEED_STATE_DIR", "BABELFEED_MODEL_DIRS",
                "BABELFEED_DASK_ADDRESS"):
        os.environ.pop(var, None)
    machine = machine_line()
    print(machine, file=sys.stderr, flush=True)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="babelfeed-check-") as tmp:
        work = Path(tmp)
        wh = work / "wh"
        store = resolve(wh)
        start = time.perf_counter()
        n_articles, n_segments, n_rejects = build(store, args.days, args.articles_per_day)
        built = time.perf_counter() - start
        files = list(parquet_files(store))
        paths = [path for path, _, _, _ in files]
        sizes = [size for _, size, _, _ in files]
        buckets = sum(1 for _, _, area, _ in files if area == "ledger")
        total = sum(sizes)
        print(f"built in {built:.1f} s: {len(paths):,} files", file=sys.stderr, flush=True)

        per_k = 1000 / len(paths)
        listing = best_of(lambda: list(parquet_files(store)), args.repeats)
        quick = best_of(lambda: quiet_scan(store, False), args.repeats)
        footers = best_of(lambda: metadata_loop(store, paths), args.repeats)
        full = best_of(lambda: quiet_scan(store, True), args.repeats)
        tables = best_of(lambda: table_loop(store, paths), args.repeats)
        settings = Settings(warehouse=str(wh))
        record = settings.state_path / RECORD
        first = best_of(lambda: (record.unlink(missing_ok=True), prepare(settings)), args.repeats)
        preflight = best_of(lambda: prepare(settings), args.repeats)  # the record: nothing changed
        runs: list[CliRun] = []
        if not args.no_run:
            print("no-op runs: Prefect server, babelfeed CLI", file=sys.stderr, flush=True)
            runs = noop_runs(wh, work, args.repeats)

    def row(name: str, t: Timing, baseline: str = "-", ratio: str = "-") -> list[str]:
        return [name, f"{t.seconds:.3f}", f"{t.seconds * per_k:.3f}",
                f"{t.peak_rss_mib:.0f} (+{t.growth_mib:.0f})", baseline, ratio]

    rows = [
        row("listing alone: health.parquet_files (in a, c)", listing),
        row("(a) quick scan: scan(full=False), local disk", quick, "(b)",
            times(quick, footers)),
        row("(b) read_metadata loop, 1 thread", footers),
        row("(c) full scan: scan(full=True), local disk", full, "(d)", times(full, tables)),
        row("(d) read_table loop, 1 thread", tables),
        row("prepare, first run: listing + quick scan of all", first, "(a)", times(first, quick)),
        row("prepare, files unchanged since the last scan", preflight, "(a)", times(preflight, quick)),
    ]
    if runs:
        noop = min(runs, key=lambda r: r.seconds)
        rows.append(["no-op run: babelfeed ingest EMPTY (subprocess)", f"{noop.seconds:.3f}",
                     "-",
                     f"{max(r.peak_rss_mib for r in runs):.0f} (process tree)", "-", "-"])
        rows.append(["prepare as a share of the no-op run", "-", "-", "-", "no-op run",
                     f"{preflight.seconds / noop.seconds:.1%}"])
    head = "\n".join([
        machine,
        f"warehouse: {args.days} daily partitions; {n_articles:,} articles, {n_segments:,} "
        f"segments, {n_rejects:,} rejects, {args.days:,} runs rows; ledger {buckets} buckets",
        f"files: {len(paths):,} Parquet files, {total / MIB:.1f} MiB "
        f"(built in {built:.1f} s); figures: best of {args.repeats}, warm page cache",
        f"whole benchmark {time.perf_counter() - began:.0f} s",
    ])
    print(head + "\n\n" + plain_table(HEADERS, rows))
    if args.markdown:
        md = head.replace("\n", "  \n") + "\n\n" + markdown_table(HEADERS, rows) + "\n"
        args.markdown.write_text(md, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
