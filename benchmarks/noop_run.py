"""How long does a scheduled run take when nothing changed? (issue: incremental runs)

Ingests N generated articles once (the baseline: a full run), then runs ingest again over the
same, unchanged folder, in the same process against the same temporary Prefect server, and
reports both durations and their ratio. The no-op run reads no file: it lists the folder,
compares size and mtime with the ledger, and commits an empty run.

Usage: python benchmarks/noop_run.py [--files 1000] [--batch-size 100]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("BABELFEED_ONLINE_MODELS", "false")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))


def make_files(folder: Path, count: int) -> None:
    from random_argos import seed_lines

    rng = random.Random(0)
    english = [line for line in seed_lines() if " the " in line]
    folder.mkdir(parents=True)
    for i in range(count):
        body = rng.sample(english, 8)
        (folder / f"article-{i:05d}.txt").write_text(f"Story {i}\n" + "\n".join(body), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="babelfeed-bench-"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(work / "argos")
    landing, wh = work / "landing", work / "wh"
    make_files(landing, args.files)

    from prefect.testing.utilities import prefect_test_harness

    from babelfeed.incremental import plan
    from babelfeed.sources import discover
    from babelfeed.warehouse import ledger
    from babelfeed_flows.ingest import ingest

    with prefect_test_harness(server_startup_timeout=120):
        timings = {}
        for name in ("full", "no-op"):
            start = time.perf_counter()
            report = ingest(paths=[str(landing)], warehouse=str(wh), batch_size=args.batch_size)
            timings[name] = time.perf_counter() - start
            print(f"{name:6s} run: {timings[name]:7.2f} s  {report['counts']}", file=sys.stderr)
        start = time.perf_counter()
        work_plan = plan(discover([landing]), ledger.load(wh))
        planning = time.perf_counter() - start
    assert work_plan.unchanged == args.files
    print(f"files: {args.files}")
    print(f"full run:  {timings['full']:.2f} s")
    print(f"no-op run: {timings['no-op']:.2f} s  ({timings['no-op'] / timings['full']:.3f} of the full run)")
    print(f"  of which listing + ledger comparison: {planning:.3f} s; the rest is Prefect flow and run bookkeeping")


if __name__ == "__main__":
    main()
