"""Does bookkeeping stay small as history grows? The source ledger and a small commit.

ledger   load of the whole ledger, load of 10 sources, save of 10 and of 1,000 updates, at
         1,000 and 100,000 known sources. Runs save the ledger once per committed chunk and
         look up only the inputs they discovered, so the small operations must not cost what
         the whole ledger costs. `--buckets 1,16,64,256` repeats the table per bucket count
         (1 bucket is the single-file layout) to show why `ledger.BUCKETS` is what it is.
commit   one new article row into an `articles` table whose history is 1 partition against
         300 date partitions (50 articles each), with `may_hold` as runs derive it from the
         ledger (the partitions of the rows being replaced: none for a new article) and with
         `may_hold=None` (the full scan). The ratio 300/1 should stay near 1 with `may_hold`.

Figures are medians of --repeats; everything runs in this process, in a temporary folder
(removed at the end).

Usage: python benchmarks/ledger_scale.py [--buckets 64] [--sizes 1000,100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import machine_line

from babelfeed.article import Article, LedgerEntry, TranslationStatus
from babelfeed.warehouse import ARTICLES, commit, ledger
from babelfeed.warehouse.records import articles_table

DAY = datetime(2026, 9, 30, 12, tzinfo=UTC)
HISTORY_DAYS = 300
ARTICLES_PER_DAY = 50


def median_seconds(action: Callable[[int], object], repeats: int) -> float:
    """Median wall time of `action(i)` for i in range(repeats); `i` lets each call differ."""
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ledger_entries(count: int) -> list[LedgerEntry]:
    """Mostly single articles, one in twenty a container part-way through its shards."""
    out = []
    for i in range(count):
        day = (DAY - timedelta(days=i % HISTORY_DAYS)).strftime("%Y-%m-%d")
        uri = f"file:///landing/{day}/article-{i:06d}.html"
        entry = LedgerEntry(uri, f"{i}:1700000000", f"{i:064x}", "article", DAY, "r0", (day,))
        if i % 20 == 0:
            entry = replace(entry, source_uri=uri + ".warc.gz", outcome="container",
                            shard_starts=(0, 4096, 8192), shards_done=(0, 2))
        out.append(entry)
    return out


def ledger_row(work: Path, size: int, repeats: int) -> list[float]:
    entries = ledger_entries(size)
    wh = work / f"ledger-{ledger.BUCKETS}-{size}"
    ledger.save(wh, entries)
    rng = random.Random(size)

    def updates(n: int, i: int) -> list[LedgerEntry]:
        return [replace(e, fingerprint=f"changed-{i}") for e in rng.sample(entries, n)]

    some = [e.source_uri for e in rng.sample(entries, 10)]
    return [
        median_seconds(lambda i: ledger.load(wh), repeats),
        median_seconds(lambda i: ledger.load(wh, some), repeats),
        median_seconds(lambda i: ledger.save(wh, updates(10, i)), repeats),
        median_seconds(lambda i: ledger.save(wh, updates(min(1000, size), i)), repeats),
    ]


def article(aid: str, observed: datetime) -> Article:
    text = "Ein Satz über die Stadt und ihre Straßen, die im Herbst voller Laub sind. " * 20
    return Article(aid, f"file:///{aid}.txt", "file", observed, "h" * 64, text, language="de",
                   text_english=text, translation_status=TranslationStatus.NOT_NEEDED)


def history(wh: Path, days: int) -> None:
    """`days` partitions of ARTICLES_PER_DAY articles, the newest on DAY."""
    rows = [article(f"d{d}-{n}", DAY - timedelta(days=d))
            for d in range(days) for n in range(ARTICLES_PER_DAY)]
    commit(wh, ARTICLES, articles_table(rows, "r0", DAY), may_hold=[])


def commit_seconds(wh: Path, may_hold: list[str] | None, repeats: int, tag: str) -> float:
    def one(i: int) -> None:
        row = articles_table([article(f"new-{tag}-{i}", DAY)], "r1", DAY)
        commit(wh, ARTICLES, row, may_hold=may_hold)

    return median_seconds(one, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buckets", default=str(ledger.BUCKETS), help="comma-separated counts")
    parser.add_argument("--sizes", default="1000,100000", help="comma-separated source counts")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(machine_line())
    print(f"(figures: median of {args.repeats})\n")
    with tempfile.TemporaryDirectory(prefix="babelfeed-ledger-") as tmp:
        work = Path(tmp)
        chosen = ledger.BUCKETS
        for buckets in [int(b) for b in args.buckets.split(",")]:
            ledger.BUCKETS = buckets
            rows = {size: ledger_row(work, size, args.repeats) for size in sizes}
            print(f"ledger, {buckets} bucket(s)" + "".join(f"{size:>12,} src" for size in sizes))
            for i, name in enumerate(["load (all)", "load (10 uris)", "save (10 updates)",
                                      "save (1,000 updates)"]):
                print(f"  {name:24s}" + "".join(f"{rows[size][i]:14.4f} s" for size in sizes))
            print()
        ledger.BUCKETS = chosen

        one, many = work / "one-partition", work / "many-partitions"
        history(one, 1)
        history(many, HISTORY_DAYS)
        print(f"commit of one new article      1 partition  {HISTORY_DAYS} partitions   ratio")
        for label, may_hold in [("may_hold=[] (from ledger)", []),
                                ("may_hold=None (full scan)", None)]:
            a = commit_seconds(one, may_hold, args.repeats, f"one-{may_hold}")
            b = commit_seconds(many, may_hold, args.repeats, f"many-{may_hold}")
            print(f"  {label:27s}{a:11.4f} s{b:14.4f} s{b / a:9.2f}")

if __name__ == "__main__":
    sys.exit(main())
