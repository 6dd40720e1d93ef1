"""Seconds per megabyte of awkward inputs through every text stage (issue 17).

A megabyte on one line of each kind the issue met (words with spaces, one word without, "a/",
dots, digits, Chinese as it is written, and more scripts and marks) goes through the stages a
worker runs on an input (`pipeline.prepare`: extract, normalize, language, segment, sentence
languages; in this process, without the time budget, to time the stages themselves) and the
duplicate fingerprint. The baseline, measured in the same run, is a megabyte of ordinary news
text (the seeds, over and over). Before issue 17 the page-dirt rules and the sentence splitter
were quadratic on a long unspaced token: 20 KB of "a/" took 15.9 s and 100 KB of "word" 87 s,
so a megabyte of either would have taken hours.

Usage: python benchmarks/awkward_inputs.py [--megabytes 1] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("BABELFEED_ONLINE_MODELS", "false")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from common import machine_line  # noqa: E402

KINDS = {
    "words with spaces": "word ",
    "one word, no spaces": "word",
    "a/ repeated": "a/",
    "dots": ".",
    "digits": "7",
    "Chinese, no spaces": "中文新闻报道，记者说。",
    "Arabic": "مرحبا بالعالم ",
    "combining marks": "e\u0301",
    "zero-width spaces": "a\u200b",
}


def _seconds(text: str) -> tuple[float, str]:
    from babelfeed.article import Article, SourceItem
    from babelfeed.dedup import fingerprint
    from babelfeed.pipeline import prepare
    from babelfeed.settings import Settings

    settings = Settings(warehouse="unused", online_models=False)
    item = SourceItem("file:///awkward.txt", "file", text.encode("utf-8"), datetime.now(UTC))
    start = time.process_time()
    made, _ = prepare(item, settings)
    if isinstance(made, Article):
        fingerprint(made)
    outcome = f"article ({made.language})" if isinstance(made, Article) else f"reject ({made.reason})"
    return time.process_time() - start, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    size = int(args.megabytes * 1_000_000)

    seeds = "\n".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt")))
    _seconds(seeds)  # loads langdetect's profiles and the stages' modules: not part of any figure
    # The seeds' lines, numbered so that no paragraph repeats (repeats would be set aside).
    lines = [line for line in seeds.splitlines() if line.strip()]
    ordinary, i = [], 0
    while sum(len(x.encode("utf-8")) + 1 for x in ordinary) < size:
        ordinary.append(f"{lines[i % len(lines)]} ({i})")
        i += 1
    base, _ = _seconds("\n".join(ordinary))
    base_per_mb = base / args.megabytes
    rows = [("ordinary news text (the seeds)", base_per_mb, 1.0, "baseline")]
    for name, unit in KINDS.items():
        text = unit * (size // len(unit.encode("utf-8")))
        secs, outcome = _seconds(text)
        rows.append((name, secs / args.megabytes, secs / args.megabytes / base_per_mb, outcome))

    worst = max(rows[1:], key=lambda r: r[1])
    lines = [
        f"awkward inputs, {args.megabytes:g} MB each on one line, CPU seconds through extract .. sentence "
        "languages + fingerprint",
        machine_line(),
        "",
        "| input | seconds per MB | / ordinary text | became |",
        "|---|---|---|---|",
        *[f"| {name} | {per_mb:.2f} | {ratio:.2f}x | {outcome} |" for name, per_mb, ratio, outcome in rows],
        "",
        f"worst: {worst[0]}, {worst[1]:.2f} s per MB ({worst[2]:.2f}x ordinary text); before issue 17 the "
        "same inputs were quadratic (20 KB of 'a/': 15.9 s; 100 KB of 'word': 87 s)",
    ]
    print("\n".join(lines))
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
