"""Does duplicate detection stay cheap as the index grows? Figures at 10,000 and 100,000 articles.

The duplicate index is a SQLite file (`dedup.index.DuplicateIndex`: tables `entries` and
`bands`, indexed). Every run opens it once (`dedup.index.open_index`, at its first commit) and
then, per committed chunk, assigns the chunk's articles a group and commits (`save`). So what
must stay flat as history grows is the cost per new article, the cost of opening and the
memory of the process holding the index. Measured at each index size N:

  build    ms/article of assign+save while the index is built to N in chunks of
           --build-chunk, per window of 10,000 articles (1,000 below 20,000): this must stay
           flat.
  index    cost per article to assign a chunk of --batch new articles (a run's commit chunk:
           the articles N, N+1, ... of the same corpus) and save it, median of --repeats
           chunks, and the bytes SQLite writes per chunk (file and journal). Then --repeats
           further chunks are timed with every part of `assign` wrapped (exclusive time:
           signature, exact key, band keys, similarities, the SQL of the match, of the
           inserts, of `forget`, the rest of `assign`, and the commit), and, apart over the
           first chunks' texts, what the signature and the exact key (best of 3 passes), the
           exact-key lookup and the band lookup (`_match`'s query, then its similarities) cost
           alone, and how many candidates a band lookup returns (false candidates, other than
           the article's planted relatives, each cost a comparison).
  open     `open_index` of the index of N articles (what every run pays once), and apart its
           two parts: the `DuplicateIndex` constructor and `PRAGMA quick_check`; and
           `len(index)`. Measured in a fresh subprocess per size on a copy of the file (just
           written, so in the OS page cache: a cold disk adds its reads), with Python, SQLite,
           datasketch and babelfeed imported and warmed up before the baseline is taken.
  memory   in that subprocess: the peak RSS over the RSS before opening (VmHWM, reset just
           before), the peak over the RSS before the timed chunks (texts already made), the
           RSS the index holds after opening and the chunks, and the process's RSS then.
  disk     bytes of the SQLite file at N, per article, and per table and index (dbstat).
  sanity   planted copies found (exact copies as `exact`, edited ones as `near`, both in the
           group of the article they copy) and non-copies grouped with anything (false
           positives), over the N indexed articles and over the timed chunks. Missed copies
           are split by their similarity to the source (below the threshold; below 0.8, where
           LSH finds a pair only by chance; 0.8 and above, which LSH must find), and a copy
           grouped with a sibling copy that was itself missed is told from a wrong group.

The corpus is synthetic and deterministic: a pool of sentence variants is made from the seed
files' sentences with about a third of the words swapped for other seed words, and article i
(seeded by --seed and i) strings 2-4 KB of variants into paragraphs, so two articles share
almost no 3-word shingles. About 10% of articles are copies of an earlier article: half exact
(only case and spacing differ), half edited (one paragraph dropped, three words changed).
The index is built as runs build it: `assign` of --build-chunk articles then `save()`, in one
process; texts are generated before each chunk's timing starts. Everything runs in a
temporary folder (removed at the end). Timings are wall clock on a shared machine: compare
figures from one invocation.

Usage: python benchmarks/dedup_scale.py [--quick] [--sizes 10000,100000] [--batch 500]
                                        [--repeats 3] [--build-chunk 500] [--seed 0]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
MIB = 1024 * 1024
DAY = datetime(2026, 10, 1, tzinfo=UTC)
INDEX_FILE = "dedup.sqlite"

COPY_SHARE = 0.10  # share of articles that copy an earlier article
EXACT_SHARE = 0.5  # of the copies: exact (else edited)
VARIANTS = 20_000  # sentence variants in the pool
SWAP = 0.33  # share of a variant's words swapped for other seed words
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

# Goals (this benchmark's; the in-memory index it replaced measured 11.6 KiB per article held
# and 0.67 ms per signature).
FLAT = 1.5  # the largest N's figure over the smallest N's (or the last build window's over the first)
OPEN_FLAT = 2.0  # the same for opening ("~constant")
HELD_KIB = 0.1  # RSS held per article added, KiB
SIGNATURE_MS = 0.67  # ms per signature, before the permutations were cached
# Estimated similarity from which LSH must find a copy: with datasketch's bands for 0.5 (25 of 5
# values) a pair 0.55 similar shares no band with probability 0.28, a pair 0.8 similar 5e-5.
SURE = 0.8

# `DuplicateIndex._match`'s band query, with the candidates' ids (to tell planted relatives apart).
BAND_QUERY = ("SELECT e.article_id, e.grp, e.signature FROM entries e WHERE e.article_id IN "
              "(SELECT DISTINCT article_id FROM bands WHERE band_key IN ({marks}))")
EXACT_QUERY = "SELECT grp FROM entries WHERE exact_key = ? ORDER BY rowid LIMIT 1"


# --- corpus ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    source: int | None  # the original (never itself a copy) this article copies; None: original
    kind: str | None  # "exact" or "edited" for a copy


class Corpus:
    """Deterministic English-like articles: article i depends only on the seed and i."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        sentences = []
        for path in sorted(SEEDS.glob("*.txt")):
            for line in path.read_text(encoding="utf-8").splitlines():
                sentences += [s for s in _SENTENCE.split(line.strip()) if len(s.split()) >= 5]
        self.vocab = sorted({w for s in sentences for w in s.split()})
        rng = random.Random(f"{seed}:pool")
        self.pool = []
        for _ in range(VARIANTS):
            words = rng.choice(sentences).split()
            self.pool.append(" ".join(rng.choice(self.vocab) if rng.random() < SWAP else w for w in words))
        self.plans: list[Plan] = []

    def plan(self, i: int) -> Plan:
        """Article i's plan (plans are extended in order, so a copy's source is known)."""
        while len(self.plans) <= i:
            n = len(self.plans)
            rng = random.Random(f"{self.seed}:plan:{n}")
            if n > 0 and rng.random() < COPY_SHARE:
                j = rng.randrange(n)
                source = self.plans[j].source if self.plans[j].source is not None else j
                self.plans.append(Plan(source, "exact" if rng.random() < EXACT_SHARE else "edited"))
            else:
                self.plans.append(Plan(None, None))
        return self.plans[i]

    def original(self, i: int) -> str:
        rng = random.Random(f"{self.seed}:text:{i}")
        target, size, paragraphs = rng.randint(2000, 4000), 0, []
        while size < target:
            paragraph = " ".join(rng.choice(self.pool) for _ in range(rng.randint(2, 5)))
            paragraphs.append(paragraph)
            size += len(paragraph) + 1
        return "\n".join(paragraphs)

    def text(self, i: int) -> str:
        plan = self.plan(i)
        if plan.source is None:
            return self.original(i)
        text = self.original(plan.source)
        if plan.kind == "exact":  # the same words: only spacing and case differ
            return text.replace("\n", "\n\n").replace(" ", "  ").lower()
        rng = random.Random(f"{self.seed}:edit:{i}")
        paragraphs = text.split("\n")
        if len(paragraphs) >= 3:
            del paragraphs[rng.randrange(1, len(paragraphs))]
        words = "\n".join(paragraphs).split(" ")
        for k in rng.sample(range(len(words)), 3):
            words[k] = rng.choice(self.vocab)
        return " ".join(words)

    def articles(self, start: int, stop: int) -> list:
        from babelfeed.article import Article

        out = []
        for i in range(start, stop):
            text = self.text(i)
            out.append(Article(article_id(i), f"file:///bench/{i}.txt", "file", DAY + timedelta(seconds=i),
                               f"{i:064x}", text, language="en", text_english=text))
        return out


def article_id(i: int) -> str:
    return f"a{i:09d}"  # ids sort in corpus order, as `assign` indexes them


# --- reading the index back -----------------------------------------------------------------


class Entry(NamedTuple):
    group: str
    kind: str | None
    signature: bytes


def read_entries(db, ids: list[str]) -> dict[str, Entry]:
    """The index's rows for these article ids (500 host parameters per statement)."""
    out: dict[str, Entry] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for aid, group, kind, blob in db.execute(
            f"SELECT article_id, grp, kind, signature FROM entries WHERE article_id IN ({marks})", chunk
        ):
            out[aid] = Entry(group, kind, blob)
    return out


def sanity(corpus: Corpus, db, indices: range, threshold: float) -> dict[str, int]:
    """Planted copies found and non-copies grouped, over articles `indices` of the index. A
    missed copy is counted apart by how similar its signature is to its source's: below
    `threshold` (`missed_below`: the edit was heavier than the threshold allows, not an LSH
    miss), below `SURE` (`missed_near`: LSH finds a pair near the threshold only by chance,
    by design) or above (`missed_high`: an LSH miss that should not happen). A copy grouped
    with another copy of its source that was itself missed, so started a group, is in
    `sibling_group` (a consequence of that miss); `wrong_group` is a copy in another story's group."""
    import numpy as np

    from babelfeed.dedup.signature import similarity

    ids = {article_id(i) for i in indices} | {article_id(corpus.plan(i).source) for i in indices
                                               if corpus.plan(i).source is not None}
    entries = read_entries(db, sorted(ids))
    out = dict.fromkeys(["exact", "exact_found", "edited", "edited_found", "sibling_group", "wrong_group", "missed",
                         "missed_below", "missed_near", "missed_high", "originals", "false_positives"], 0)
    for i in indices:
        plan, entry = corpus.plan(i), entries[article_id(i)]
        if plan.source is None:
            out["originals"] += 1
            out["false_positives"] += entry.kind is not None
            continue
        out[plan.kind] += 1
        source = entries[article_id(plan.source)]
        if entry.kind is None:
            out["missed"] += 1
            score = similarity(np.frombuffer(entry.signature, dtype=np.uint32),
                               np.frombuffer(source.signature, dtype=np.uint32))
            out["missed_below" if score < threshold else "missed_near" if score < SURE else "missed_high"] += 1
        elif entry.group != source.group:  # a sibling copy's group: that copy was missed (LSH, near the threshold)
            sibling = corpus.plan(int(entry.group[1:])).source == plan.source
            out["sibling_group" if sibling else "wrong_group"] += 1
        elif (plan.kind, entry.kind) in {("exact", "exact"), ("edited", "near")}:
            out[f"{plan.kind}_found"] += 1
    return out


def file_bytes(path: Path) -> int:
    """The SQLite file and any journal beside it."""
    return sum(p.stat().st_size for p in [path, *(path.with_name(path.name + s) for s in ("-journal", "-wal"))]
               if p.exists())


def object_bytes(db) -> dict[str, int]:
    """Bytes per table and index (SQLite's dbstat; empty where it is not compiled in)."""
    try:
        return dict(db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall())
    except sqlite3.DatabaseError:  # dbstat is optional
        return {}


# --- the measured subprocess ----------------------------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def written_bytes() -> int:
    """Bytes this process has passed to write() so far (SQLite writes its file and journal so)."""
    try:
        with open("/proc/self/io", encoding="ascii") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("wchar:"))
    except (OSError, StopIteration):
        return 0


def reset_peak() -> bool:
    """Reset this process's peak RSS (Linux >= 4.0), so the next peak is the operation's."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_bytes() -> int:
    """Peak RSS since the last `reset_peak` (VmHWM), else since the start (ru_maxrss)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def breakdown(index, chunks: list[list]) -> tuple[dict[str, float], dict[str, int], float]:
    """Assign+save `chunks` with the parts of `assign` wrapped: seconds and calls per part, and
    the total seconds."""
    from common import Spans

    from babelfeed.dedup import index as dedup_index

    spans = Spans()
    functions = {"english": "english", "signature": "signature", "exact_key": "exact key",
                 "_band_keys": "band keys", "similarity": "similarities"}
    methods = {"_match": "match: SQL + rest", "_add": "insert: SQL + rest", "forget": "forget: SQL"}
    saved_f = {name: getattr(dedup_index, name) for name in functions}
    saved_m = {name: getattr(dedup_index.DuplicateIndex, name) for name in methods}
    for name, label in functions.items():
        setattr(dedup_index, name, spans.wrap(label, saved_f[name]))
    for name, label in methods.items():
        setattr(dedup_index.DuplicateIndex, name, spans.wrap(label, saved_m[name]))
    total = 0.0
    try:
        for chunk in chunks:
            start = time.perf_counter()
            spans.wrap("assign: rest (known-row SELECT, sort, replace)", index.assign)(chunk)
            spans.wrap("save (commit)", index.save)()
            total += time.perf_counter() - start
    finally:
        for name, fn in saved_f.items():
            setattr(dedup_index, name, fn)
        for name, fn in saved_m.items():
            setattr(dedup_index.DuplicateIndex, name, fn)
    return dict(spans.seconds), dict(spans.calls), total


def child(args: argparse.Namespace) -> None:
    """Open the index at `args.child_folder` (N articles), time chunks; print JSON."""
    import numpy as np

    from babelfeed.dedup import index as dedup_index
    from babelfeed.dedup.signature import english, exact_key, signature, similarity

    size, batch, repeats = args.child_size, args.batch, args.repeats
    n = repeats * batch
    folder = Path(args.child_folder)
    path = folder / INDEX_FILE
    warehouse = str(folder / "wh")  # never read: the index exists

    # One-time costs out of the baseline: imports (open_index imports the warehouse), numpy,
    # the signature permutations, datasketch's band layout, SQLite itself.
    warm = folder / "warm.sqlite"
    dedup_index.DuplicateIndex(warm, args.threshold).close()
    dedup_index.open_index(warm, warehouse, args.threshold).close()
    signature("a warm up text of a few words")
    gc.collect()
    rss0, peak0, was_reset = rss_bytes(), peak_bytes(), reset_peak()
    start = time.perf_counter()
    index = dedup_index.open_index(path, warehouse, args.threshold)
    open_s = time.perf_counter() - start
    open_peak = peak_bytes() - rss0
    start = time.perf_counter()
    other = dedup_index.DuplicateIndex(path, args.threshold)
    ctor_s = time.perf_counter() - start
    other.close()
    start = time.perf_counter()
    index.db.execute("PRAGMA quick_check").fetchall()
    check_s = time.perf_counter() - start
    start = time.perf_counter()
    indexed = len(index)
    len_s = time.perf_counter() - start
    assert indexed == size, (indexed, size)
    gc.collect()
    held_open = rss_bytes() - rss0

    # The chunks' texts, made before any chunk is timed (and after opening was measured).
    corpus = Corpus(args.seed)
    chunks = [corpus.articles(size + r * batch, size + (r + 1) * batch) for r in range(2 * repeats)]
    timed_chunks, wrapped_chunks = chunks[:repeats], chunks[repeats:]
    gc.collect()
    rss1, _ = rss_bytes(), reset_peak()

    # The commit chunks: assign + save, as a run does per chunk.
    assign_s, save_s, written = [], [], []
    for chunk in timed_chunks:
        before = written_bytes()
        start = time.perf_counter()
        index.assign(chunk)
        assign_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        index.save()
        save_s.append(time.perf_counter() - start)
        written.append(written_bytes() - before)
    chunks_peak = peak_bytes() - rss1
    gc.collect()
    held_chunks = rss_bytes() - rss1

    # The same again over further chunks, with every part of `assign` wrapped.
    parts_s, parts_calls, parts_total = breakdown(index, wrapped_chunks)
    rss_end = rss_bytes()

    # The parts of `assign`, alone, over the timed chunks' texts (the index now holds them).
    # The signature and the exact key: best of 3 passes (pure CPU, so the least disturbed).
    texts = [english(a) for chunk in timed_chunks for a in chunk]
    signature_s = key_s = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        signatures = [signature(t) for t in texts]
        signature_s = min(signature_s, time.perf_counter() - start)
        start = time.perf_counter()
        keys = [exact_key(t) for t in texts]
        key_s = min(key_s, time.perf_counter() - start)
    db = index.db
    start = time.perf_counter()
    for k in keys:
        db.execute(EXACT_QUERY, (k,)).fetchone()
    exact_lookup_s = time.perf_counter() - start
    start = time.perf_counter()
    band_keys = [dedup_index._band_keys(v, index.ranges) for v in signatures]
    band_keys_s = time.perf_counter() - start
    start = time.perf_counter()
    candidates = [db.execute(BAND_QUERY.format(marks=",".join("?" * len(k))), k).fetchall() for k in band_keys]
    band_query_s = time.perf_counter() - start
    start = time.perf_counter()
    for v, found in zip(signatures, candidates, strict=True):
        [similarity(v, np.frombuffer(blob, dtype=np.uint32)) for _, _, blob in found]
    similarity_s = time.perf_counter() - start
    # Candidates other than the article itself and its planted relatives (its source and every
    # copy of that source, indexed or in the chunks).
    relatives: dict[int, set[str]] = {}
    roots = [corpus.plan(i).source if corpus.plan(i).source is not None else i for i in range(size + 2 * n)]
    for i, root in enumerate(roots):
        relatives.setdefault(root, set()).add(article_id(i))
    false_candidates = [len({aid for aid, _, _ in c} - relatives[roots[i]])
                        for i, c in zip(range(size, size + n), candidates, strict=True)]
    stored = read_entries(db, [article_id(size)])[article_id(size)].signature
    assert np.array_equal(np.frombuffer(stored, dtype=np.uint32), signatures[0])
    found = sanity(corpus, db, range(size, size + 2 * n), args.threshold)
    index.close()
    print(json.dumps({
        "open_s": open_s, "ctor_s": ctor_s, "check_s": check_s, "len_s": len_s,
        "open_peak": open_peak, "peak_is_new": was_reset or open_peak + rss0 > peak0, "held_open": held_open,
        "chunks_peak": chunks_peak, "held_chunks": held_chunks, "rss_end": rss_end,
        "assign_ms": 1000 * statistics.median(assign_s) / batch, "save_ms": 1000 * statistics.median(save_s) / batch,
        "chunk_ms": 1000 * statistics.median(a + s for a, s in zip(assign_s, save_s, strict=True)) / batch,
        "chunk_ms_all": [1000 * (a + s) / batch for a, s in zip(assign_s, save_s, strict=True)],
        "written": statistics.median(written),
        "parts_ms": {k: 1000 * v / n for k, v in parts_s.items()}, "parts_calls": parts_calls,
        "parts_total_ms": 1000 * parts_total / n,
        "signature_ms": 1000 * signature_s / n, "key_ms": 1000 * key_s / n,
        "exact_lookup_ms": 1000 * exact_lookup_s / n, "band_keys_ms": 1000 * band_keys_s / n,
        "band_query_ms": 1000 * band_query_s / n, "similarity_ms": 1000 * similarity_s / n,
        "candidates": statistics.mean(len(c) for c in candidates),
        "false_candidates": statistics.mean(false_candidates), "false_candidates_max": max(false_candidates),
        "disk_after": file_bytes(path), "found": found,
    }))


def measure(size: int, index_path: Path, work: Path, args: argparse.Namespace) -> dict:
    """Run `child` on a copy of the index file (so the build can go on)."""
    copy = work / f"copy-{size}"
    copy.mkdir()
    shutil.copyfile(index_path, copy / INDEX_FILE)
    try:
        argv = [sys.executable, __file__, "--child-size", str(size), "--child-folder", str(copy),
                "--batch", str(args.batch), "--repeats", str(args.repeats), "--seed", str(args.seed),
                "--threshold", str(args.threshold)]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"child for {size} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(copy, ignore_errors=True)


# --- the driver -------------------------------------------------------------------------------


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def share(found: int, of: int) -> str:
    return f"{found}/{of} ({found / of:.1%})" if of else "0/0"


def missed(found: dict[str, int]) -> str:
    return (f"{found['missed']} ({found['missed_below']}, {found['missed_near']}, {found['missed_high']}) "
            f"/ {found['sibling_group']} / {found['wrong_group']}")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from babelfeed.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated index sizes")
    parser.add_argument("--quick", action="store_true", help="sizes 1000,5000 (a smoke test)")
    parser.add_argument("--batch", type=int, default=500, help="articles per timed commit chunk")
    parser.add_argument("--repeats", type=int, default=3, help="timed chunks per size (median counts)")
    parser.add_argument("--build-chunk", type=int, default=500, help="articles per assign+save while building")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=Settings.model_fields["dedup_threshold"].default)
    parser.add_argument("--child-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = "1000,5000"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_size is not None:
        child(args)
        return 0

    from common import machine_line

    from babelfeed.dedup import DuplicateIndex

    sizes = sorted(int(s) for s in args.sizes.split(","))
    window = 10_000 if sizes[-1] >= 20_000 else 1_000
    began = time.perf_counter()
    print(machine_line())
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    start = time.perf_counter()
    corpus = Corpus(args.seed)
    corpus.plan(sizes[-1] + 2 * args.repeats * args.batch)
    sample = corpus.articles(0, 200)
    print(f"corpus: {len(corpus.pool):,} sentence variants, {len(corpus.vocab):,} words; articles of "
          f"{min(len(a.text) for a in sample):,}-{max(len(a.text) for a in sample):,} chars "
          f"(mean {statistics.mean(len(a.text) for a in sample):,.0f}); set up in {time.perf_counter() - start:.1f} s")
    print(f"threshold {args.threshold}; timed chunks of {args.batch} x {args.repeats} (median), then "
          f"{args.repeats} more with assign's parts wrapped; index built in chunks of {args.build_chunk}\n")

    results: dict[int, dict] = {}
    windows: list[tuple[int, float]] = []  # (articles built at the window's end, ms/article in it)
    with tempfile.TemporaryDirectory(prefix="babelfeed-dedup-") as tmp:
        work = Path(tmp)
        path = work / "state" / INDEX_FILE
        index = DuplicateIndex(path, args.threshold)
        print(f"LSH bands: {len(index.ranges)} of {index.ranges[0][1] - index.ranges[0][0]} values")
        built, gen_s, build_s, win_start, win_s = 0, 0.0, 0.0, 0, 0.0
        for size in sizes:
            seg_start, seg_s = built, 0.0
            while built < size:
                stop = min(size, built + args.build_chunk)
                t0 = time.perf_counter()
                chunk = corpus.articles(built, stop)
                t1 = time.perf_counter()
                index.assign(chunk)
                index.save()
                t2 = time.perf_counter()
                gen_s += t1 - t0
                seg_s += t2 - t1
                win_s += t2 - t1
                built = stop
                if built % window == 0 or built == size:
                    windows.append((built, 1000 * win_s / (built - win_start)))
                    print(f"  built {built:>9,}: {win_s:7.1f} s for the last {built - win_start:,} "
                          f"({windows[-1][1]:.2f} ms/article); file {file_bytes(path) / MIB:.1f} MiB", flush=True)
                    win_start, win_s = built, 0.0
            build_s += seg_s
            on_disk = file_bytes(path)
            objects = object_bytes(index.db)
            start = time.perf_counter()
            found = sanity(corpus, index.db, range(size), args.threshold)
            print(f"measuring at {size:,} ({on_disk / MIB:.1f} MiB; sanity read in {time.perf_counter() - start:.1f} s)"
                  " ...", flush=True)
            results[size] = {**measure(size, path, work, args), "size": size, "disk": on_disk, "objects": objects,
                             "build_found": found, "build_ms": 1000 * seg_s / (size - seg_start)}
        plans = {name: " / ".join(row[-1] for row in index.db.execute(f"EXPLAIN QUERY PLAN {sql}", params))
                 for name, sql, params in [
                     ("exact-key lookup", EXACT_QUERY, ("x",)),
                     ("band lookup", BAND_QUERY.format(marks=",".join("?" * len(index.ranges))),
                      list(range(len(index.ranges)))),
                 ]}
        index.close()
        print(f"\nbuilding: {built:,} articles in {build_s:.1f} s ({1000 * build_s / built:.2f} ms/article); "
              f"generating their texts {gen_s:.1f} s (not counted)")
    for name, plan in plans.items():
        print(f"query plan, {name}: {plan}")
    print()

    figures = table_rows(results, sizes, windows, args)
    width = max(len(name) for name, *_ in figures)
    print(f"{'':{width}s}" + "".join(f"{f'N = {s:,}':>24s}" for s in sizes))
    for name, *values in figures:
        print(f"{name:{width}s}" + "".join(f"{v:>24s}" for v in values))
    print("\ntimed chunks, ms/article (assign+save): "
          + "; ".join(f"{s:,}: " + ", ".join(f"{x:.2f}" for x in results[s]["chunk_ms_all"]) for s in sizes))
    print("build windows, ms/article: " + ", ".join(f"{b // 1000:,}k {ms:.2f}" for b, ms in windows))
    for s in sizes:
        objects = results[s]["objects"]
        print(f"on disk at {s:,}, bytes/article: "
              + (", ".join(f"{name} {b / s:.0f}" for name, b in objects.items()) if objects else "(no dbstat)"))
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"total {time.perf_counter() - began:.0f} s\n")
    print(markdown_table(["figure", "value", "goal", "result"], goal_rows(results, sizes, windows, args)))
    return 0


PARTS = ["signature", "exact key", "english", "band keys", "similarities", "match: SQL + rest",
         "insert: SQL + rest", "forget: SQL", "assign: rest (known-row SELECT, sort, replace)", "save (commit)"]


def table_rows(results: dict[int, dict], sizes: list[int], windows: list[tuple[int, float]],
               args: argparse.Namespace) -> list[list[str]]:
    def row(name: str, fmt) -> list[str]:
        return [name, *(fmt(results[s]) for s in sizes)]

    def held(r: dict) -> int:
        return r["held_open"] + r["held_chunks"]

    return [
        row(f"assign+save, chunk of {args.batch} (ms/article)", lambda r: f"{r['chunk_ms']:.3f}"),
        row("  of which assign (ms/article)", lambda r: f"{r['assign_ms']:.3f}"),
        row("  of which save (ms/article)", lambda r: f"{r['save_ms']:.3f}"),
        row("  written by SQLite per chunk (MiB; wchar, median)", lambda r: f"{r['written'] / MIB:.1f}"),
        row("    per article (KiB)", lambda r: f"{r['written'] / 1024 / args.batch:.1f}"),
        row("wrapped chunks: assign+save (ms/article)", lambda r: f"{r['parts_total_ms']:.3f}"),
        *(row(f"  {part} (ms/article)", lambda r, p=part: f"{r['parts_ms'].get(p, 0.0):.3f}") for part in PARTS),
        row("alone: signature (ms/article)", lambda r: f"{r['signature_ms']:.3f}"),
        row("alone: exact key (ms/article)", lambda r: f"{r['key_ms']:.3f}"),
        row("alone: exact-key lookup, SQL (ms/article)", lambda r: f"{r['exact_lookup_ms']:.3f}"),
        row("alone: band keys (ms/article)", lambda r: f"{r['band_keys_ms']:.3f}"),
        row("alone: band lookup, SQL (ms/article)", lambda r: f"{r['band_query_ms']:.3f}"),
        row("alone: similarities of candidates (ms/article)", lambda r: f"{r['similarity_ms']:.3f}"),
        row("band candidates/lookup (mean)", lambda r: f"{r['candidates']:.2f}"),
        row("false band candidates/lookup (mean, max)",
            lambda r: f"{r['false_candidates']:.2f}, {r['false_candidates_max']}"),
        row("build: assign+save since the size before (ms/art.)", lambda r: f"{r['build_ms']:.3f}"),
        row("open_index (s)", lambda r: f"{r['open_s']:.3f}"),
        row("  DuplicateIndex() alone (s)", lambda r: f"{r['ctor_s']:.3f}"),
        row("  PRAGMA quick_check alone (s)", lambda r: f"{r['check_s']:.3f}"),
        row("len(index) (s)", lambda r: f"{r['len_s']:.3f}"),
        row("open: peak RSS over RSS before (MiB)",
            lambda r: f"{r['open_peak'] / MIB:.1f}" + ("" if r["peak_is_new"] else " (no new peak)")),
        row("chunks: peak RSS over RSS before (MiB)", lambda r: f"{r['chunks_peak'] / MIB:.1f}"),
        row("RSS held by the index, open + chunks (MiB)", lambda r: f"{held(r) / MIB:.1f}"),
        row("  per article (KiB)", lambda r: f"{held(r) / 1024 / r['size']:.3f}"),
        ["  per article added since the size before (KiB)", "-",
         *(f"{(held(results[b]) - held(results[a])) / 1024 / (b - a):.3f}" for a, b in zip(sizes, sizes[1:], strict=False))],
        row("process RSS at the end (MiB)", lambda r: f"{r['rss_end'] / MIB:.0f}"),
        row("on disk (MiB)", lambda r: f"{r['disk'] / MIB:.1f}"),
        row("  per article (bytes)", lambda r: f"{r['disk'] / r['size']:.0f}"),
        row("indexed: exact copies found", lambda r: share(r["build_found"]["exact_found"], r["build_found"]["exact"])),
        row("indexed: edited copies found", lambda r: share(r["build_found"]["edited_found"], r["build_found"]["edited"])),
        row("indexed: missed (<thr., <0.8, >=0.8) / sibling / wrong", lambda r: missed(r["build_found"])),
        row("indexed: non-copies grouped", lambda r: share(r["build_found"]["false_positives"], r["build_found"]["originals"])),
        row("chunks: exact copies found", lambda r: share(r["found"]["exact_found"], r["found"]["exact"])),
        row("chunks: edited copies found", lambda r: share(r["found"]["edited_found"], r["found"]["edited"])),
        row("chunks: missed (<thr., <0.8, >=0.8) / sibling / wrong", lambda r: missed(r["found"])),
        row("chunks: non-copies grouped", lambda r: share(r["found"]["false_positives"], r["found"]["originals"])),
    ]


def goal_rows(results: dict[int, dict], sizes: list[int], windows: list[tuple[int, float]],
              args: argparse.Namespace) -> list[list[str]]:
    """figure | value | goal | result, for the markdown table."""
    small, large = results[sizes[0]], results[sizes[-1]]
    span = f"{sizes[0]:,} -> {sizes[-1]:,}"

    def held(r: dict) -> int:
        return r["held_open"] + r["held_chunks"]

    def growth(name: str, key: str, unit: str, fmt: str, goal: float) -> list[str]:
        ratio = large[key] / small[key] if small[key] else float("inf")
        return [f"{name}, {span}", f"{small[key]:{fmt}} -> {large[key]:{fmt}} {unit} ({ratio:.2f}x)",
                f"<= {goal:g}x", verdict(ratio <= goal)]

    rows: list[list[str]] = []
    for s in sizes:
        r = results[s]
        rows += [
            [f"assign+save, chunk of {args.batch} @ {s:,}", f"{r['chunk_ms']:.3f} ms/article", "-", "-"],
            [f"  signature alone @ {s:,}", f"{r['signature_ms']:.3f} ms/article", f"< {SIGNATURE_MS} (before)",
             verdict(r["signature_ms"] < SIGNATURE_MS)],
            [f"  exact key alone @ {s:,}", f"{r['key_ms']:.3f} ms/article", "-", "-"],
            [f"  SQLite in assign+save (match, insert, forget, known row, commit) @ {s:,}",
             f"{sum(r['parts_ms'].get(p, 0.0) for p in PARTS[5:]):.3f} ms/article", "-", "-"],
            [f"  band lookup alone (SQL + similarities) @ {s:,}",
             f"{r['band_query_ms'] + r['similarity_ms']:.3f} ms/article "
             f"({r['false_candidates']:.2f} false candidates)", "-", "-"],
            [f"  written by SQLite per chunk of {args.batch} @ {s:,}",
             f"{r['written'] / MIB:.1f} MiB ({r['written'] / 1024 / args.batch:.0f} KiB/article)", "-", "-"],
            [f"open_index @ {s:,}", f"{r['open_s']:.3f} s (quick_check {r['check_s']:.3f} s)", "-", "-"],
            [f"RSS held by the index @ {s:,}", f"{held(r) / MIB:.1f} MiB (peak +{max(r['open_peak'], r['chunks_peak']) / MIB:.1f} MiB)",
             "-", "-"],
            [f"on disk @ {s:,}", f"{r['disk'] / r['size']:.0f} bytes/article ({r['disk'] / MIB:.1f} MiB)", "-", "-"],
        ]
        for label, found in [("indexed", r["build_found"]), ("chunks", r["found"])]:
            rows += [
                [f"{label}: exact copies found @ {s:,}", share(found["exact_found"], found["exact"]), "all",
                 verdict(found["exact_found"] == found["exact"])],
                [f"{label}: edited copies found @ {s:,}", share(found["edited_found"], found["edited"]),
                 f"all but those < {SURE} similar (or in a sibling's group)",
                 verdict(found["edited_found"] + found["missed_below"] + found["missed_near"] + found["sibling_group"]
                         >= found["edited"])],
                [f"{label}: copies missed (<thr., <{SURE}, >={SURE}) / in a sibling's group / wrong group @ {s:,}",
                 missed(found), f"none >= {SURE} / - / 0", verdict(found["missed_high"] == 0 and found["wrong_group"] == 0)],
                [f"{label}: non-copies grouped @ {s:,}", share(found["false_positives"], found["originals"]), "0",
                 verdict(found["false_positives"] == 0)],
            ]
    first, last = windows[0][1], windows[-1][1]
    rows += [
        [f"build ms/article, last window vs first (windows of {windows[0][0]:,})",
         f"{first:.3f} -> {last:.3f} ({last / first:.2f}x)", f"<= {FLAT:g}x (flat)", verdict(last / first <= FLAT)],
        growth("assign+save per article", "chunk_ms", "ms", ".3f", FLAT),
        growth("open_index", "open_s", "s", ".3f", OPEN_FLAT),
    ]
    if len(sizes) > 1:
        added = (held(large) - held(small)) / 1024 / (sizes[-1] - sizes[0])
        rows.append([f"RSS held per article added, {span}", f"{added:.3f} KiB (before: 11.6)", f"<= {HELD_KIB:g} KiB",
                     verdict(added <= HELD_KIB)])
    return rows


if __name__ == "__main__":
    sys.exit(main())
