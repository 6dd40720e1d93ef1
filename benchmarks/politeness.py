"""Politeness at scale: many hosts, one request at a time each, on few workers.

10 hosts (127.0.0.2 .. 127.0.0.11, real HTTP servers in this process) x 30 articles, a delay
of 0.2 s per host, 2 worker processes. A polite run cannot be faster than its slowest host:
30 requests 0.2 s apart, the ideal (6 s). Spacing hosts one after another would take the sum
over hosts (60 s). Measured:

  A  units planned by host: each unit one host's articles (one unit per host in flight), run
     with `process_batch` in a 2-process pool: a worker waits out its host's delays while the
     other hosts wait for a worker.
  B  the shared limiter (what babelfeed does): units of BABELFEED_BATCH_SIZE cut from the URLs
     with hosts taken in turn, each worker fetching its unit's hosts side by side, the limiter's
     state shared through the state folder; same pool, same `process_batch`.
  cli  design B as users run it: `babelfeed ingest --urls FILE` against one Prefect server
     (the server started once, outside the measured command).

For each: wall time, the span of the requests in the servers' own logs (first arrival to last
answer), both as a ratio to the ideal, and a check from the logs that no host ever had two
requests in flight or two requests closer than the delay. Goal: the run takes <= 1.3x the ideal.

The work itself (fetching without any delay, extracting, detecting, segmenting 300 pages) has
a floor of its own on few cores, which no scheduling of requests can beat: it is measured in
the same script (design B and the command with a delay of 0), and each polite run is also
given as a ratio to max(ideal, that floor).

Usage: python benchmarks/politeness.py [--hosts 10] [--articles 30] [--delay 0.2] [--workers 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import cli_env, machine_line, prefect_server, run_cli  # noqa: E402

from newsroom import ENGLISH, Newsroom, page  # noqa: E402

GOAL = 1.3


def _settings(state: Path, delay: float):
    from babelfeed.settings import Settings

    return Settings(warehouse=str(state / "wh"), online_models=False, allow_private_addresses=True,
                    host_delay=delay, http_retries=1, http_timeout=5.0)


def _warm(_: int) -> int:
    import babelfeed.pipeline  # noqa: F401 - imports and the extraction helper, before timing
    from babelfeed.extract import extract  # noqa: F401

    return 0


def _run_unit(urls: list[str], state: str, delay: float, run_id: str) -> int:
    from babelfeed.pipeline import process_batch
    from babelfeed.sources import url_refs

    return len(process_batch(url_refs(urls), _settings(Path(state), delay), run_id).result.articles)


def _check(sites: list[Newsroom], delay: float) -> tuple[float, float, float, bool]:
    """(first arrival, last answer, smallest gap between two requests to one host, any overlap)."""
    first, last, gap, overlap = float("inf"), 0.0, float("inf"), False
    for site in sites:
        log = site.requests()
        first, last = min(first, log[0].start), max(last, log[-1].end)
        for before, after in zip(log, log[1:], strict=False):
            overlap |= after.start < before.end
            gap = min(gap, after.start - before.end)
    return first, last, gap, overlap


def _reset(sites: list[Newsroom]) -> None:
    for site in sites:
        site.log.clear()
        site.hits.clear()


def _pool_run(sites, units, delay, workers, state: Path, run_id: str) -> tuple[float, int]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        pool.map(_warm, range(workers))
        _reset(sites)
        start = time.time()
        # At most one unit per worker in flight, as the flow keeps it.
        articles = sum(pool.starmap(_run_unit, [(u, str(state), delay, run_id) for u in units], chunksize=1))
        return time.time() - start, articles


def _line(label: str, wall: float, span: float, ideal: float, floor: float | None, gap: float, overlap: bool,
          delay: float) -> str:
    polite = "no overlap" if not overlap else "OVERLAP"
    spaced = "spaced >= delay" if gap >= delay else f"GAP {gap:.3f} s < delay"
    if floor is None:  # the floor itself
        return f"| {label} | {wall:.1f} s | - | {span:.1f} s | - | - | {polite} | - |"
    best = max(ideal, floor)
    verdict = "PASS" if wall / ideal <= GOAL else ("MISS" + (f"; {wall / best:.2f}x the floor" if floor > ideal else ""))
    return (f"| {label} | {wall:.1f} s | {wall / ideal:.2f}x | {span:.1f} s | {span / ideal:.2f}x | {wall / best:.2f}x | "
            f"{polite}, {spaced} (min gap {gap:.3f} s) | {verdict} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=50)
    args = parser.parse_args()
    from babelfeed.sources.hosts import interleave

    ideal = args.articles * args.delay
    print(machine_line())
    print(f"{args.hosts} hosts x {args.articles} articles, {args.delay} s delay per host, {args.workers} workers; "
          f"ideal {ideal:.1f} s (slowest host's items x delay), sum over hosts {ideal * args.hosts:.1f} s")
    rows = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-polite-") as tmp:
        sites = [stack.enter_context(Newsroom(f"127.0.0.{2 + i}")) for i in range(args.hosts)]
        urls: list[str] = []
        for h, site in enumerate(sites):
            site.add("/robots.txt", "User-agent: *\nAllow: /\n", ctype="text/plain")
            for i in range(args.articles):
                lines = [f"{ENGLISH[(h + i + k) % len(ENGLISH)]} (report {h}-{i})" for k in range(4)]
                urls.append(site.add(f"/news/{i}.html", page(f"Story {h}-{i}", lines)))
        by_host = [urls[h * args.articles:(h + 1) * args.articles] for h in range(args.hosts)]
        mixed = interleave(urls, lambda u: u)
        batches = [mixed[i:i + args.batch_size] for i in range(0, len(mixed), args.batch_size)]

        floor = None
        for label, units, delay in (("B with no delay: the work itself (floor)", batches, 0.0),
                                    ("A: units planned by host", by_host, args.delay),
                                    ("B: shared limiter", batches, args.delay)):
            state = Path(tmp) / f"{label[0]}{delay}"
            wall, articles = _pool_run(sites, units, delay, args.workers, state, f"bench-{label[0]}-{delay}")
            first, last, gap, overlap = _check(sites, delay)
            assert articles == len(urls), f"{label}: {articles} articles of {len(urls)}"
            rows.append(_line(label, wall, last - first, ideal, floor, gap, overlap, delay))
            print(rows[-1], flush=True)
            floor = wall if floor is None else floor

        url_file = Path(tmp) / "urls.txt"
        url_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
        with prefect_server() as api:
            cli_floor = None
            for delay in (0.0, args.delay):
                _reset(sites)
                env = cli_env(api, BABELFEED_ALLOW_PRIVATE_ADDRESSES="true", BABELFEED_HOST_DELAY=str(delay),
                              BABELFEED_WORKERS=str(args.workers), BABELFEED_BATCH_SIZE=str(args.batch_size),
                              BABELFEED_ONLINE_MODELS="false")
                warehouse = Path(tmp) / f"cli-wh-{delay}"
                run = run_cli(f"cli-{delay}", [str(Path(sys.executable).parent / "babelfeed"), "ingest", "--urls",
                                               str(url_file), "--warehouse", str(warehouse)], env, Path(tmp) / "logs")
                first, last, gap, overlap = _check(sites, delay)
                import duckdb

                wall_seconds = duckdb.sql(
                    f"select wall_seconds from read_parquet('{warehouse}/runs/**/*.parquet')").fetchall()[0][0]
                if cli_floor is None:
                    rows.append(_line("cli with no delay: runs.wall_seconds (floor)", wall_seconds, last - first,
                                      ideal, None, gap, overlap, delay))
                    cli_floor = wall_seconds
                else:
                    rows.append(_line("cli: `babelfeed ingest --urls`, runs.wall_seconds", wall_seconds,
                                      last - first, ideal, cli_floor, gap, overlap, delay))
                    rows.append(_line("cli: the whole command (interpreter, imports, Prefect)", run.seconds,
                                      last - first, ideal, cli_floor, gap, overlap, delay))
                print(rows[-1], flush=True)
    print()
    print("| design | wall | / ideal | requests' span | / ideal | / max(ideal, floor) | per host (servers' logs) "
          "| <= 1.3x ideal |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
