"""Scale figures for `babelfeed ingest`, each a ratio against a baseline measured in this run.

Every ingest runs as it does in production: a `babelfeed ingest PATHS --warehouse DIR`
subprocess, talking to one Prefect server started once for the whole benchmark (in its own
process, so never part of a measured process tree). What is measured, and why:

  files       peak RSS of the ingest process tree (the ingest process and every descendant:
              workers, extraction subprocesses), summed and sampled every 50 ms, over 10x more
              plain-text files than the baseline. Memory must not grow with the input count.
  warc        the same over a 4x larger WARC (one gzip member per ~60 KB news page), plus
              seconds per record: a streamed archive must not be held in memory.
  html        the flow's wall time over English HTML pages against a bare single-core loop in
              this process (trafilatura + langdetect, nothing else): what the pipeline's
              orchestration, processes and writing cost, or save on several cores.
  noop        a second ingest of the unchanged 10x folder as a share of the full run: a
              scheduled run with nothing new must cost close to nothing.
  partitions  one new file into a warehouse whose articles span many observed-date partitions
              against the same into a one-partition warehouse (wall time, median of
              --repeats, and the run's `write` stage from the runs table): a small run must
              not rewrite or rescan the whole warehouse.

Goals are the team's targets, printed beside each measurement; nothing is bent to meet them.
A failed ingest (non-zero exit) stops the benchmark: it is an error, not a figure.

Usage: python benchmarks/scale.py [--quick] [--only NAME ...] [--markdown PATH]
                                  [--batch-size N] [--repeats 3] [--keep]
"""

from __future__ import annotations

import argparse
import html
import io
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    CliFailedError,
    CliRun,
    cli_env,
    machine_line,
    prefect_server,
    run_cli,
    usable_cores,
)
from noop_run import make_files  # noqa: E402

BABELFEED = str(Path(sys.executable).parent / "babelfeed")
SITE = "The Meridian Herald"
SECTIONS = ("World", "Politics", "Business", "Technology", "Science", "Health", "Sport",
            "Culture", "Opinion", "Climate", "Cities", "Travel")
AUTHORS = ("Maria Okafor", "James Whitfield", "Priya Raman", "Tomás Herrera", "Hannah Lindqvist",
           "Daniel Osei", "Chloe Martin", "Samuel Adeyemi")
CITIES = ("London", "Washington", "Nairobi", "Singapore", "Toronto", "Sydney", "Dublin",
          "Cape Town")
PAGE_TEXT_BYTES = 60_000
T = TypeVar("T")


@dataclass(frozen=True)
class Sizes:
    files: tuple[int, int]
    records: tuple[int, int]
    pages: int
    partitions: int


FULL = Sizes(files=(1_000, 10_000), records=(500, 2_000), pages=1_000, partitions=300)
QUICK = Sizes(files=(200, 2_000), records=(100, 400), pages=200, partitions=60)


# ---------------------------------------------------------------------------------------------
# Figures and the table
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    name: str
    measured: str
    baseline: str
    ratio: float
    goal: float | None = None  # None: reported for information, no target
    percent: bool = False

    def ratio_text(self) -> str:
        return f"{self.ratio:.1%}" if self.percent else f"{self.ratio:.2f}x"

    def goal_text(self) -> str:
        if self.goal is None:
            return "-"
        return f"<= {self.goal:.0%}" if self.percent else f"<= {self.goal:g}x"

    def verdict(self) -> str:
        if self.goal is None:
            return "-"
        return "PASS" if self.ratio <= self.goal else "MISS"

    def cells(self) -> list[str]:
        return [self.name, self.measured, self.baseline, self.ratio_text(), self.goal_text(),
                self.verdict()]


HEADERS = ["figure", "measured", "baseline", "ratio", "goal", "result"]
RUN_HEADERS = ["ingest run", "wall s", "peak RSS MiB", "max processes", "RSS samples"]


def plain_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def run_rows(runs: list[CliRun]) -> list[list[str]]:
    return [[r.label, f"{r.seconds:.1f}", f"{r.peak_rss_mib:.0f}", str(r.peak_processes),
             str(r.samples)] for r in runs]


# ---------------------------------------------------------------------------------------------
# Inputs: English sentences, news pages, WARCs, dated files
# ---------------------------------------------------------------------------------------------

@cache
def english_sentences() -> tuple[str, ...]:
    """The English sentences of the seed corpus (the lines noop_run's make_files uses)."""
    from random_argos import seed_lines

    text = " ".join(line for line in seed_lines() if " the " in line)
    return tuple(s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text) if len(s) >= 40)


def headline(rng: random.Random) -> str:
    words = rng.choice(english_sentences()).rstrip(".!?").split()
    start = rng.randrange(max(1, len(words) - 8))
    text = " ".join(words[start:start + rng.randint(6, 10)]).strip(",;:")
    return text[:1].upper() + text[1:]


def story_paragraphs(rng: random.Random, city: str, day: str) -> list[str]:
    """About PAGE_TEXT_BYTES of paragraphs of 2-5 sentences: every page draws its own."""
    pool = english_sentences()
    paragraphs = [f"{city}, {day} - " + " ".join(rng.sample(pool, 3))]
    size = len(paragraphs[0])
    while size < PAGE_TEXT_BYTES:
        paragraphs.append(" ".join(rng.sample(pool, rng.randint(2, 5))))
        size += len(paragraphs[-1])
    return paragraphs


def news_page(index: int, when: datetime) -> tuple[str, str]:
    """(url, html) of a realistic news page: head metadata, nav and footer chrome, a story."""
    rng = random.Random(index)
    section, author, city = rng.choice(SECTIONS), rng.choice(AUTHORS), rng.choice(CITIES)
    title = headline(rng)
    url = f"https://news.example.org/{section.lower()}/{when:%Y/%m/%d}/story-{index}.html"
    esc = html.escape
    body = "\n".join(f"<p>{esc(p)}</p>" for p in story_paragraphs(rng, city, f"{when:%B %d}"))
    nav = "".join(f'<li><a href="/{s.lower()}/">{s}</a></li>' for s in SECTIONS)
    related = "".join(f'<li><a href="/{section.lower()}/story-{rng.randrange(10**6)}.html">'
                      f"{esc(headline(rng))}</a></li>" for _ in range(5))
    footer = "".join(f'<li><a href="/{x.lower().replace(" ", "-")}">{x}</a></li>' for x in (
        "About us", "Contact", "Careers", "Advertise", "Privacy policy", "Terms of use",
        "Cookie settings"))
    stamp = when.isoformat()
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{esc(title)} | {SITE}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{esc(body[3:150])}">
<meta name="author" content="{author}">
<meta property="og:type" content="article"><meta property="og:title" content="{esc(title)}">
<meta property="og:url" content="{url}"><meta property="og:site_name" content="{SITE}">
<meta property="article:published_time" content="{stamp}">
<link rel="canonical" href="{url}"><link rel="stylesheet" href="/static/site.css">
<script>window.dataLayer = window.dataLayer || [];
dataLayer.push({{section: "{section}"}});</script>
</head><body>
<header class="site-header"><a class="logo" href="/">{SITE}</a>
<nav class="main-nav"><ul>{nav}</ul></nav>
<form class="search" action="/search"><input name="q" placeholder="Search"></form></header>
<div class="breadcrumb"><a href="/">Home</a> &rsaquo;
<a href="/{section.lower()}/">{section}</a></div>
<main><article class="story">
<h1>{esc(title)}</h1>
<p class="byline">By <a rel="author" href="/authors/{index % 97}">{author}</a>
<time datetime="{stamp}">{when:%d %B %Y, %H:%M} UTC</time></p>
<figure><img src="/img/{index}.jpg" alt="{section}"><figcaption>Photo: {SITE}</figcaption></figure>
<div class="story-body">
{body}
</div>
<div class="share">Share: <a href="#">Facebook</a> <a href="#">X</a> <a href="#">Email</a></div>
</article>
<aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside></main>
<footer class="site-footer"><ul>{footer}</ul>
<p>Sign up for our morning newsletter</p><form action="/newsletter"><input name="email"></form>
<p>&copy; {when:%Y} {SITE}. All rights reserved.</p></footer>
</body></html>
"""
    return url, page


def page_times(count: int) -> Iterator[datetime]:
    """One crawl day's timestamps, spread evenly."""
    start = datetime(2026, 10, 1, tzinfo=UTC)
    step = timedelta(seconds=86_000 / max(count, 1))
    return (start + i * step for i in range(count))


def write_warc(path: Path, records: int) -> None:
    """A .warc.gz of `records` response records, one gzip member each (warcio's WARCWriter)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for i, when in enumerate(page_times(records)):
            url, page = news_page(i, when)
            payload = page.encode("utf-8")
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                                  ("Content-Length", str(len(payload)))],
                                       protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(payload), http_headers=headers,
                warc_headers_dict={"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ")})
            writer.write_record(record)


def write_pages(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for i, when in enumerate(page_times(count)):
        path = folder / f"story-{i:05d}.html"
        path.write_text(news_page(i, when)[1], encoding="utf-8")
        paths.append(path)
    return paths


def set_day(path: Path, day: datetime) -> None:
    stamp = day.replace(hour=12, minute=0, second=0, microsecond=0).timestamp()
    os.utime(path, (stamp, stamp))


def dated_files(folder: Path, count: int, spread: bool) -> None:
    """`count` small files on `count` different past days (spread) or all on one past day."""
    make_files(folder, count)
    today = datetime.now(UTC)
    for i, path in enumerate(sorted(folder.iterdir())):
        set_day(path, today - timedelta(days=(i + 1) if spread else 1))


def new_file(folder: Path, number: int) -> Path:
    """One more small English article, observed now (a partition neither warehouse has)."""
    rng = random.Random(10_000 + number)
    path = folder / f"late-story-{number}.txt"
    body = " ".join(rng.sample(english_sentences(), 8))
    path.write_text(f"Late story {number}\n{body}\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# The warehouse's runs table
# ---------------------------------------------------------------------------------------------

def newest_run(warehouse: Path) -> dict:
    """The newest row of the warehouse's `runs` table (read with pyarrow, no babelfeed)."""
    import pyarrow.dataset as ds

    rows = ds.dataset(warehouse / "runs", format="parquet", partitioning="hive").to_table()
    newest = max(rows.to_pylist(), key=lambda r: r["started_at"])
    stages = newest.get("stage_seconds") or {}
    newest["stage_seconds"] = dict(stages) if not isinstance(stages, dict) else stages
    return newest


# ---------------------------------------------------------------------------------------------
# The bench: one Prefect server, a work folder, every ingest run
# ---------------------------------------------------------------------------------------------

@dataclass
class Bench:
    work: Path
    env: dict[str, str]
    sizes: Sizes
    batch_size: int | None
    repeats: int
    runs: list[CliRun] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _full_runs: dict[int, tuple[CliRun, Path, Path]] = field(default_factory=dict)
    recorded: dict[int, float] = field(default_factory=dict)  # runs.wall_seconds of full runs

    def ingest(self, label: str, paths: list[Path], warehouse: Path,
               articles: int | None = None) -> CliRun:
        """Run one `babelfeed ingest`; check the run it recorded wrote `articles` articles."""
        argv = [BABELFEED, "ingest", *map(str, paths), "--warehouse", str(warehouse)]
        if self.batch_size:
            argv += ["--batch-size", str(self.batch_size)]
        run = run_cli(label, argv, self.env, self.work / "logs")
        self.runs.append(run)
        print(f"  {label}: {run.seconds:.1f} s, peak tree RSS {run.peak_rss_mib:.0f} MiB, "
              f"{run.peak_processes} processes at most", file=sys.stderr, flush=True)
        if articles is not None:
            self._check(label, warehouse, articles)
        return run

    def _check(self, label: str, warehouse: Path, articles: int) -> None:
        row = newest_run(warehouse)
        if row.get("status") != "completed" or row.get("articles") != articles:
            self.notes.append(f"{label}: expected {articles} articles, the runs table says "
                              f"status={row.get('status')} articles={row.get('articles')} "
                              f"rejected={row.get('rejected')}")

    def files_run(self, count: int) -> tuple[CliRun, Path, Path]:
        """A full ingest of `count` fresh plain-text files, once (noop reuses the big one)."""
        if count not in self._full_runs:
            landing, wh = self.work / f"files-{count}", self.work / f"wh-files-{count}"
            timed(f"generating {count} text files", lambda: make_files(landing, count))
            run = self.ingest(f"{count} text files", [landing], wh, articles=count)
            self._full_runs[count] = (run, landing, wh)
            self.recorded[count] = recorded_wall(wh)
        return self._full_runs[count]


def timed(what: str, action: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = action()
    print(f"{what}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    return result


def mib(value: float) -> str:
    return f"{value:.0f} MiB"


# ---------------------------------------------------------------------------------------------
# The five figures
# ---------------------------------------------------------------------------------------------

def growth(what: str, per: str, small: int, base: CliRun, large: int, big: CliRun) -> list[Figure]:
    """Peak RSS (goal: flat) and time per item of a large run against a small one."""
    return [
        Figure(f"peak RSS, {large:,} / {small:,}{what}", mib(big.peak_rss_mib),
               mib(base.peak_rss_mib), big.peak_rss_mib / base.peak_rss_mib, goal=1.2),
        Figure(f"seconds per {per}, {large:,} / {small:,}{what}",
               f"{big.seconds / large * 1000:.1f} ms", f"{base.seconds / small * 1000:.1f} ms",
               (big.seconds / large) / (base.seconds / small)),
    ]


def figure_files(bench: Bench) -> list[Figure]:
    small, large = bench.sizes.files
    base, _, _ = bench.files_run(small)
    big, _, _ = bench.files_run(large)
    return growth(" text files", "file", small, base, large, big)


def recorded_wall(warehouse: Path) -> float:
    """The newest run's own wall time (runs.wall_seconds): the flow, without the interpreter's
    start, the imports and the Prefect client's set-up that the command's time includes."""
    return newest_run(warehouse).get("wall_seconds") or float("nan")


def figure_noop(bench: Bench) -> list[Figure]:
    large = bench.sizes.files[1]
    full, landing, wh = bench.files_run(large)
    full_wall = bench.recorded[large]
    noop = bench.ingest(f"no-op re-run, {large} files", [landing], wh, articles=0)
    noop_wall = recorded_wall(wh)
    return [
        Figure(f"no-op re-run / full run, {large:,} files, command", f"{noop.seconds:.1f} s",
               f"{full.seconds:.1f} s", noop.seconds / full.seconds, goal=0.02, percent=True),
        Figure(f"no-op re-run / full run, {large:,} files, runs.wall_seconds",
               f"{noop_wall:.2f} s", f"{full_wall:.1f} s", noop_wall / full_wall, goal=0.02,
               percent=True),
    ]


def figure_warc(bench: Bench) -> list[Figure]:
    small, large = bench.sizes.records
    runs = {}
    for count in (small, large):
        path = bench.work / f"news-{count}.warc.gz"
        timed(f"generating a {count}-record WARC", lambda p=path, c=count: write_warc(p, c))
        print(f"  {path.name}: {path.stat().st_size / 1024**2:.1f} MiB compressed",
              file=sys.stderr)
        runs[count] = bench.ingest(f"WARC, {count} records", [path],
                                   bench.work / f"wh-warc-{count}", articles=count)
    return growth("-record WARC", "record", small, runs[small], large, runs[large])


def bare_loop(paths: list[Path]) -> float:
    """trafilatura + langdetect over the pages, one after another, in this process."""
    import trafilatura
    from langdetect import DetectorFactory, detect

    DetectorFactory.seed = 0
    start = time.perf_counter()
    for path in paths:
        doc = trafilatura.bare_extraction(path.read_text(encoding="utf-8"), with_metadata=True)
        text = doc.get("text") if isinstance(doc, dict) else getattr(doc, "text", None)
        if text:
            detect(text)
    return time.perf_counter() - start


def figure_html(bench: Bench) -> list[Figure]:
    count = bench.sizes.pages
    folder = bench.work / f"html-{count}"
    paths = timed(f"generating {count} HTML pages", lambda: write_pages(folder, count))
    bare = timed(f"bare loop over {count} pages", lambda: bare_loop(paths))
    wh = bench.work / f"wh-html-{count}"
    flow = bench.ingest(f"{count} HTML pages", [folder], wh, articles=count)
    wall = recorded_wall(wh)
    cores = usable_cores()
    return [
        Figure(f"HTML flow / bare 1-core loop, {count:,} pages, {cores} cores, command",
               f"{flow.seconds:.1f} s", f"{bare:.1f} s", flow.seconds / bare, goal=0.65),
        Figure(f"HTML flow / bare 1-core loop, {count:,} pages, {cores} cores, runs.wall_seconds",
               f"{wall:.1f} s", f"{bare:.1f} s", wall / bare, goal=0.65),
    ]


def figure_partitions(bench: Bench) -> list[Figure]:
    count = bench.sizes.partitions
    setups = {}
    for spread in (True, False):
        name = f"{count} partitions" if spread else "1 partition"
        landing = bench.work / f"dated-{'spread' if spread else 'one'}"
        wh = bench.work / f"wh-dated-{'spread' if spread else 'one'}"
        dated_files(landing, count, spread)
        bench.ingest(f"{count} files into {name}", [landing], wh, articles=count)
        setups[spread] = (landing, wh)
    walls: dict[bool, list[float]] = {True: [], False: []}
    writes: dict[bool, list[float]] = {True: [], False: []}
    for k in range(bench.repeats):  # alternate, so drift hits both sides alike
        for spread, (landing, wh) in setups.items():
            new_file(landing, k)
            label = f"+1 file into {count if spread else 1} partition(s), #{k + 1}"
            walls[spread].append(bench.ingest(label, [landing], wh, articles=1).seconds)
            writes[spread].append(newest_run(wh)["stage_seconds"].get("write", float("nan")))
    wall, write = ({s: statistics.median(v[s]) for s in v} for v in (walls, writes))
    n = bench.repeats
    return [
        Figure(f"+1 file, {count} / 1 partition(s), wall (median of {n})", f"{wall[True]:.2f} s",
               f"{wall[False]:.2f} s", wall[True] / wall[False], goal=1.2),
        Figure(f"+1 file, {count} / 1 partition(s), write stage (median of {n})",
               f"{write[True]:.3f} s", f"{write[False]:.3f} s",
               write[True] / write[False] if write[False] else float("nan")),
    ]


FIGURES: dict[str, Callable[[Bench], list[Figure]]] = {
    "files": figure_files,
    "noop": figure_noop,
    "warc": figure_warc,
    "html": figure_html,
    "partitions": figure_partitions,
}


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes for a smoke test (200/2,000 files, 100/400 records, "
                             "200 pages, 60 partitions)")
    parser.add_argument("--only", action="append", choices=sorted(FIGURES), metavar="NAME",
                        help=f"run only this figure (repeatable): {', '.join(FIGURES)}")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    parser.add_argument("--batch-size", type=int,
                        help="pass --batch-size to every ingest (default: babelfeed's own)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="one-file ingests per warehouse in `partitions` (median)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    return parser.parse_args(argv)


def report(machine: str, sizes_name: str, figures: list[Figure], bench: Bench,
           seconds: float) -> tuple[str, str]:
    """The plain-text and Markdown reports."""
    rows = [f.cells() for f in figures]
    head = f"{machine}\nsizes: {sizes_name}; whole benchmark {seconds:.0f} s"
    notes = [f"note: {n}" for n in bench.notes]
    text = "\n\n".join([head, plain_table(HEADERS, rows),
                        plain_table(RUN_HEADERS, run_rows(bench.runs)), *notes])
    md = "\n\n".join([head.replace("\n", "  \n"), markdown_table(HEADERS, rows),
                      markdown_table(RUN_HEADERS, run_rows(bench.runs)), *notes])
    return text, md + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes, sizes_name = (QUICK, "quick") if args.quick else (FULL, "full")
    chosen = [name for name in FIGURES if not args.only or name in args.only]
    machine = machine_line()
    print(machine, file=sys.stderr, flush=True)
    work = Path(tempfile.mkdtemp(prefix="babelfeed-scale-"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(work / "argos")
    extra = {"BABELFEED_ONLINE_MODELS": "false", "ARGOS_PACKAGES_DIR": str(work / "argos"),
             "ARGOS_PACKAGE_INDEX": "http://127.0.0.1:9/"}
    for var in ("BABELFEED_WAREHOUSE", "BABELFEED_MODEL_DIRS", "BABELFEED_STATE_DIR",
                "BABELFEED_DASK_ADDRESS"):
        os.environ.pop(var, None)
    start = time.perf_counter()
    figures: list[Figure] = []
    with prefect_server() as api_url:
        print(f"Prefect server at {api_url}: {time.perf_counter() - start:.1f} s to start",
              file=sys.stderr, flush=True)
        bench = Bench(work, cli_env(api_url, **extra), sizes, args.batch_size, args.repeats)
        try:
            for name in chosen:
                print(f"== {name}", file=sys.stderr, flush=True)
                figures += FIGURES[name](bench)
        except CliFailedError as exc:
            print(f"error: {exc}\nwork folder and logs kept: {work}", file=sys.stderr)
            return 1
    text, md = report(machine, sizes_name, figures, bench, time.perf_counter() - start)
    print(text)
    if args.markdown:
        args.markdown.write_text(md, encoding="utf-8")
    if args.keep:
        print(f"work folder kept: {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
