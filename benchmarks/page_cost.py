"""What one page costs, stage by stage: CPU time per page of every stage babelfeed runs on it.

Each page goes through the library's own chain, `pipeline._stages` (decode, trafilatura,
normalize with ftfy and page dirt, document language, segment, sentence language), then
`dedup.fingerprint`, in this process (trafilatura in place: `extract_timeout=0`, so its CPU
is this process's), many times. Every function the chain calls for a stage is wrapped
wherever babelfeed refers to it, and each wrapper adds the CPU time (`time.process_time`:
this process only, so other work on a shared machine does not count) spent inside it and
outside any other wrapped function: a stage's figure is its own work, and a faster stage
shows here as soon as the library changes, with no change to this file. A stage whose
functions are no longer called says so ("not called") rather than reporting zero.

The figure the issue sets a goal on: the CPU babelfeed spends beyond trafilatura's own
extraction, over that extraction, per 60 KB English page (goal <= 0.5x). The other pages
(short English, German, Chinese, Russian, Arabic: `pages.py`) are reported beside it.

Usage: python benchmarks/page_cost.py [--seconds 3] [--min-reps 5] [--quick]
                                      [--markdown FILE] [--profile N]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Spans, machine_line  # noqa: E402
from pages import WHEN, Page, pages  # noqa: E402
from scale import markdown_table, plain_table  # noqa: E402

GOAL = 0.5  # beyond-trafilatura CPU / trafilatura's extraction, per 60 KB English page
TRAFILATURA = "trafilatura (extraction)"
# (stage label, where the function lives, its name). Order is the table's; labels of the
# same stage add up (ftfy's entry points are all "ftfy").
STAGES = [
    ("decode (charset)", "babelfeed.extract", "decode"),
    (TRAFILATURA, "babelfeed.extract", "_trafilatura"),
    ("extract: the rest", "babelfeed.extract", "extract"),
    ("ftfy", "ftfy", "fix_text"),
    ("ftfy", "ftfy", "fix_and_explain"),
    ("ftfy", "ftfy", "fix_encoding"),
    ("ftfy", "ftfy.badness", "is_bad"),
    ("ftfy", "ftfy.badness", "badness"),
    ("page dirt (classify)", "babelfeed.normalize.boilerplate", "classify"),
    ("normalize: the rest", "babelfeed.normalize", "normalize"),
    ("document language", "babelfeed.pipeline", "detect_language"),
    ("segment", "babelfeed.segment", "segment"),
    ("sentence language", "babelfeed.language.sentences", "label_sentences"),
    ("fingerprint (MinHash)", "babelfeed.dedup.signature", "fingerprint"),
]
LABELS = list(dict.fromkeys(label for label, _, _ in STAGES))


@contextmanager
def wrapped(spans: Spans) -> Iterator[None]:
    """Every reference to each stage's function, in its own module and in every babelfeed
    module (`from x import f` copies the reference), replaced by a timed wrapper."""
    import importlib

    for name in ("babelfeed.pipeline", "babelfeed.dedup"):
        importlib.import_module(name)
    saved: list[tuple[object, str, object]] = []
    try:
        for label, module_name, attr in STAGES:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            fn = getattr(module, attr, None)
            if fn is None or not callable(fn):
                continue
            wrapper = spans.wrap(label, fn)
            homes = [m for n, m in list(sys.modules.items())
                     if m is not None and (n == module_name or n.startswith("babelfeed"))]
            for home in homes:
                for key, value in list(vars(home).items()):
                    if value is fn:
                        saved.append((home, key, value))
                        setattr(home, key, wrapper)
        yield
    finally:
        for home, key, value in reversed(saved):
            setattr(home, key, value)


@dataclass
class PageResult:
    page: Page
    reps: int
    stage_ms: dict[str, float]  # median per repetition
    called: dict[str, bool]
    total_ms: float  # median of the whole chain per repetition
    beyond_ms: float  # median of (whole chain - trafilatura)
    text_chars: int
    sentences: int
    language: str

    @property
    def ratio(self) -> float:
        extraction = self.stage_ms.get(TRAFILATURA, 0.0)
        return self.beyond_ms / extraction if extraction else float("nan")


def item_of(page: Page):
    from babelfeed.article import SourceItem

    return SourceItem(uri=page.url, kind="url", content=page.content, observed_at=WHEN,
                      media_type="text/html", url=page.url)


def settings():
    from babelfeed.settings import Settings

    return Settings(extract_timeout=0)  # trafilatura in this process: its CPU is ours to count


def run_chain(item, config):
    """The library's chain for one page: `pipeline._stages`, then the fingerprint."""
    from babelfeed import pipeline
    from babelfeed.article import BatchResult, Reject
    from babelfeed.dedup import fingerprint

    made = pipeline._stages(item, config, BatchResult())
    if isinstance(made, Reject):
        raise RuntimeError(f"{item.uri} was rejected: {made.reason} {made.detail}")
    return fingerprint(made)


def measure(page: Page, seconds: float, min_reps: int) -> PageResult:
    config, item = settings(), item_of(page)
    article = run_chain(item, config)  # warm: profiles, regexes, imports
    run_chain(item, config)
    spans = Spans(time.process_time)
    per_stage: dict[str, list[float]] = {label: [] for label in LABELS}
    totals: list[float] = []
    beyond: list[float] = []
    called: dict[str, bool] = dict.fromkeys(LABELS, False)
    spent = 0.0
    with wrapped(spans):
        while len(totals) < min_reps or spent < seconds:
            spans.reset()
            start = time.process_time()
            run_chain(item, config)
            total = time.process_time() - start
            spent += total
            totals.append(total)
            beyond.append(total - spans.seconds.get(TRAFILATURA, 0.0))
            for label in LABELS:
                per_stage[label].append(spans.seconds.get(label, 0.0))
                called[label] |= spans.calls.get(label, 0) > 0
    ms = {label: 1000 * statistics.median(v) for label, v in per_stage.items()}
    return PageResult(page, len(totals), ms, called, 1000 * statistics.median(totals),
                      1000 * statistics.median(beyond), len(article.text), len(article.segments),
                      article.language or "?")


def table(results: list[PageResult]) -> tuple[list[str], list[list[str]]]:
    headers = ["stage (ms CPU per page, median)", *(r.page.name for r in results)]
    rows = [["HTML bytes / text chars / sentences",
             *(f"{len(r.page.content):,} / {r.text_chars:,} / {r.sentences}" for r in results)],
            ["language found", *(r.language for r in results)],
            ["repetitions", *(str(r.reps) for r in results)]]
    for label in LABELS:
        rows.append([label, *(f"{r.stage_ms[label]:.2f}" if r.called[label] else "not called"
                              for r in results)])
    rows += [
        ["whole chain", *(f"{r.total_ms:.2f}" for r in results)],
        ["beyond trafilatura's extraction", *(f"{r.beyond_ms:.2f}" for r in results)],
        ["beyond / extraction (goal <= 0.5x on en 60 KB)", *(f"{r.ratio:.2f}x" for r in results)],
        ["result", *(("PASS" if r.ratio <= GOAL else "MISS") if i == 0 else "-"
                     for i, r in enumerate(results))],
    ]
    return headers, rows


def profile(page: Page, reps: int, top: int = 25) -> str:
    """cProfile of `reps` runs of the chain on `page`: the top functions by cumulative time,
    then by own time."""
    config, item = settings(), item_of(page)
    run_chain(item, config)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(reps):
        run_chain(item, config)
    profiler.disable()
    out = []
    for key in ("cumulative", "tottime"):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        stats.sort_stats(key).print_stats(top)
        body = buffer.getvalue()
        out.append(f"--- {page.name}, {reps} runs, top {top} by {key} ---\n"
                   + body[body.find("   ncalls"):].rstrip())
    return "\n\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="CPU seconds of runs per page (at least)")
    parser.add_argument("--min-reps", type=int, default=5, help="runs per page (at least)")
    parser.add_argument("--quick", action="store_true", help="0.5 s of runs per page")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="also print cProfile's top 25 over N runs of the 60 KB page")
    args = parser.parse_args(argv)
    seconds = 0.5 if args.quick else args.seconds
    machine = machine_line()
    print(machine, file=sys.stderr, flush=True)
    results = []
    for page in pages():
        results.append(measure(page, seconds, args.min_reps))
        print(f"  {page.name}: {results[-1].reps} runs, {results[-1].total_ms:.1f} ms a page",
              file=sys.stderr, flush=True)
    headers, rows = table(results)
    head = (f"{machine}\nCPU per page (time.process_time, this process), median of the runs; "
            "each stage's own time (callees in other stages excluded)")
    print(head)
    print(plain_table(headers, rows))
    if args.markdown:
        args.markdown.write_text(head.replace("\n", "  \n") + "\n\n" + markdown_table(headers, rows) + "\n",
                                 encoding="utf-8")
    if args.profile:
        print()
        print(profile(pages()[0], args.profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
