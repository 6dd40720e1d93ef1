"""Why translation batches sentences across articles, and what the engine costs (design: Translation).

Builds a random-weight argos package of the real size (transformer-base: 6+6 layers,
d_model 512, 8k vocabulary) and translates the same German sentences, in one process:
  raw            one `ctranslate2.Translator` built here, on the same device, compute type,
                 translators and threads as babelfeed's, fed pre-tokenized sentences with the
                 options babelfeed passes: the floor any engine can reach
  per sentence   one `Engine.translate` call per sentence (what a naive loop does)
  per article    one call per article (what argostranslate's translate() does)
  batched        one call for all articles of the batch (babelfeed)
  stage          `translate_articles` with a cold cache: dedup, cache look-up and write,
                 tokenizing, sorting, sub-batching, scores and flags
and again with the sentence cache warm.

The engine is worth keeping only if it costs little over raw CTranslate2 (goal: at most
1.1x) and batching across articles pays (goal: per article at least 1.8x slower). Random
weights never emit an end token, so every output runs to its bound: with --max-tokens at or
below 2 x the shortest source + 10 (sources here have >= 19 tokens), babelfeed's per-sub-batch
bound equals the raw call's cap and both decode the same tokens. The output token totals of
both sides are compared and printed: a mismatch means the timings compare different work.
Articles draw their 8 sentences from one 43-sentence seed file, so they repeat sentences;
the stage translates each distinct sentence once, and is compared with raw CTranslate2 on
those distinct sentences (the batched call is compared with raw on all of them).

Both translators, the engine and the stage are warmed up once, then every path runs
--repeats times, interleaved with the others; the best (min) counts.
Random weights babble: the figures compare call patterns and overhead, not quality.

Usage: python benchmarks/translate_batching.py [--articles 20] [--max-tokens 32] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

#: Seconds between two timed runs: lets the other translator's idle threads stop spinning.
PAUSE = 0.3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per path (best counts)")
    args = parser.parse_args()
    if args.repeats < 2:
        parser.error("--repeats must be at least 2")
    work = Path(tempfile.mkdtemp(prefix="babelfeed-bench-"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(work / "argos")

    import ctranslate2

    from babelfeed import models
    from babelfeed.segment import sentences
    from babelfeed.settings import Settings
    from babelfeed.translate import TranslationCache, load_engine, translate_articles
    from babelfeed.translate.engine import LENGTH_PENALTY, decoding_for
    from random_argos import BASE, build_argos_package, seed_lines

    german = (REPO / "seeds" / "002_9ebab77608ba1ccd.txt").read_text(encoding="utf-8")
    start = time.perf_counter()
    model = models.install_file(build_argos_package(work / "pkg", seed_lines() * 20, size=BASE))
    print(f"built and installed a transformer-base random model in {time.perf_counter() - start:.1f} s")

    rng = random.Random(0)
    pool = sentences(german.replace("\n", "\n\n"), "de")
    articles = [rng.sample(pool, 8) for _ in range(args.articles)]
    flat = [s for a in articles for s in a]
    distinct = list(dict.fromkeys(flat))  # what translate_articles sends to the model
    settings = Settings(warehouse=str(work / "wh"), max_decoding_length=args.max_tokens, online_models=False)
    decoding = decoding_for(settings)
    engine = load_engine(model, settings)
    device = engine.device

    # Raw CTranslate2: the same model, device and threads, the options babelfeed passes.
    translator = ctranslate2.Translator(
        str(model.path / "model"), device=device.name, compute_type=device.compute_type,
        inter_threads=device.translators, intra_threads=device.threads,
    )
    tokens_of = {s: engine.tokenizer.encode(s) for s in distinct}
    flat_tokens = [tokens_of[s] for s in flat]
    distinct_tokens = [tokens_of[s] for s in distinct]
    prefix = engine.target_prefix

    def raw(batch: list[list[str]]) -> Callable[[], tuple[float, int]]:
        def run() -> tuple[float, int]:
            t = time.perf_counter()
            results = translator.translate_batch(
                batch,
                target_prefix=[[prefix]] * len(batch) if prefix else None,
                beam_size=decoding.beam_size,
                max_batch_size=decoding.max_batch_size,
                max_decoding_length=args.max_tokens,
                no_repeat_ngram_size=decoding.no_repeat_ngram_size,
                repetition_penalty=decoding.repetition_penalty,
                length_penalty=LENGTH_PENALTY,
                replace_unknowns=True,
                return_scores=True,
            )
            seconds = time.perf_counter() - t
            return seconds, sum(len(r.hypotheses[0]) for r in results)
        return run

    def calls(batches: list[list[str]]) -> Callable[[], tuple[float, int]]:
        def run() -> tuple[float, int]:
            t = time.perf_counter()
            out = [engine.translate(b) for b in batches]
            seconds = time.perf_counter() - t
            return seconds, sum(x.tokens for o in out for x in o)
        return run

    from datetime import UTC, datetime

    from babelfeed.article import Article
    from babelfeed.normalize import normalize_text
    from babelfeed.segment import segment

    docs = [segment(Article(f"a{i}", f"a{i}", "file", datetime.now(UTC), "h",
                            normalize_text("\n".join(a)), language="de")) for i, a in enumerate(articles)]
    doc_sentences = [s.text for d in docs for s in d.segments]
    if doc_sentences != flat:
        raise SystemExit("segmenting the articles changed their sentences: the stage would translate others")
    caches = iter(range(1_000_000))

    def stage() -> tuple[float, int]:
        cache = TranslationCache(work / f"cold-{next(caches)}.sqlite")  # a cold cache: a new file
        calls_before = engine.calls
        t = time.perf_counter()
        _, stats = translate_articles(docs, settings, cache)
        seconds = time.perf_counter() - t
        if engine.calls != calls_before + 1 or stats.translated_sentences != len(distinct):
            raise SystemExit(f"translate_articles did not make one call of {len(distinct)} sentences "
                             f"on the benchmark's engine ({engine.calls - calls_before} calls, "
                             f"{stats.translated_sentences} sentences)")
        return seconds, stats.tokens

    def tokenize() -> tuple[float, int]:
        t = time.perf_counter()
        n = sum(len(engine.tokenizer.encode(s)) for s in flat)
        return time.perf_counter() - t, n

    paths: dict[str, tuple[Callable[[], tuple[float, int]], int, int]] = {  # run, calls, sentences
        "raw, all": (raw(flat_tokens), 1, len(flat)),
        "raw, distinct": (raw(distinct_tokens), 1, len(distinct)),
        "per sentence": (calls([[s] for s in flat]), len(flat), len(flat)),
        "per article": (calls(articles), len(articles), len(flat)),
        "batched": (calls([flat]), 1, len(flat)),
        "stage, cold": (stage, 1, len(distinct)),
        "tokenize only": (tokenize, 0, len(flat)),
    }
    lengths = sorted(len(t) for t in distinct_tokens)
    shortest_bound = decoding.limit(lengths[0])
    print(f"{args.articles} articles, {len(flat)} sentences ({len(distinct)} distinct, "
          f"{lengths[0]}..{lengths[-1]} source tokens), beam {decoding.beam_size}, "
          f"sub-batches of {decoding.max_batch_size}, <= {args.max_tokens} tokens each "
          f"(shortest sentence's own bound: min({args.max_tokens}, 2 x {lengths[0]} + 10) = {shortest_bound})")
    print(f"device {device.name}, compute type {device.compute_type}, "
          f"{device.translators} translator(s) x {device.threads} threads (same for raw CTranslate2)")
    print(f"warming up once (both translators, the engine, the stage), then {args.repeats} timed "
          f"runs of each path, interleaved; best counts")
    for label in ("raw, distinct", "batched", "stage, cold", "tokenize only"):
        paths[label][0]()
        time.sleep(PAUSE)
    runs: dict[str, list[float]] = {label: [] for label in paths}
    tokens: dict[str, int] = {}
    for _ in range(args.repeats):
        for label, (run, _, _) in paths.items():
            seconds, tokens[label] = run()
            runs[label].append(seconds)
            time.sleep(PAUSE)
    best = {label: min(r) for label, r in runs.items()}

    print(f"\n{'path':14s} {'best':>8s}  {'runs':24s} {'calls':>5s} {'sentences':>9s} {'tokens':>7s}")
    for label, (_, n_calls, n_sentences) in paths.items():
        all_runs = " ".join(f"{s:.2f}" for s in runs[label])
        kind = "source" if label == "tokenize only" else "output"
        print(f"{label:14s} {best[label]:7.3f}s  {all_runs:24s} {n_calls:5d} {n_sentences:9d} "
              f"{tokens[label]:7d} {kind}")

    pairs = [("stage, cold", "raw, distinct"), ("batched", "raw, all"), ("per article", "raw, all"),
             ("per sentence", "raw, all")]
    same_work = True
    for ours, theirs in pairs:
        if tokens[ours] != tokens[theirs]:
            same_work = False
            banner = "!" * 100
            print(f"\n{banner}\nWARNING: {ours} decoded {tokens[ours]} output tokens, {theirs} "
                  f"{tokens[theirs]}: they did different work, their ratio is meaningless.\n"
                  f"Lower --max-tokens to at most {shortest_bound} so every bound is the cap.\n{banner}",
                  file=sys.stdout)
    if same_work:
        print(f"\noutput tokens: babelfeed and raw CTranslate2 decode the same ({tokens['raw, all']} for "
              f"all sentences, {tokens['raw, distinct']} for the distinct ones): every output ran to the cap")

    cache = TranslationCache(work / "cache.sqlite")
    translate_articles(docs, settings, cache)
    t = time.perf_counter()
    _, stats = translate_articles(docs, settings, cache)
    cached = time.perf_counter() - t
    print(f"{'cache warm':14s} {cached:7.3f}s  ({stats.cache_hits} distinct sentences from the cache, "
          f"{len(doc_sentences)} sentences)")

    stage_ratio = best["stage, cold"] / best["raw, distinct"]
    engine_ratio = best["batched"] / best["raw, all"]
    article_ratio = best["per article"] / best["batched"]
    per_second = len(flat) / best["batched"]
    tokens_per_second = tokens["batched"] / best["batched"]
    base = best["per sentence"]
    print(f"babelfeed / raw CTranslate2: stage {stage_ratio:.2f}x (distinct sentences, tokenizing "
          f"{best['tokenize only'] * len(distinct) / len(flat) * 1000:.0f} ms of it), "
          f"batched call {engine_ratio:.2f}x (all sentences)")
    print(f"per article / batched: {article_ratio:.2f}x; batched: {per_second:.1f} sentences/s, "
          f"{tokens_per_second:.0f} output tokens/s")
    print(f"speed-up over per sentence: per article {base / best['per article']:.2f}x, batched "
          f"{base / best['batched']:.2f}x, cached {base / max(cached, 1e-9):.0f}x")

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    where = f"{device.name} {device.compute_type}, {device.translators} x {device.threads} threads"
    rows = [
        (f"translate stage (cold cache) / raw CTranslate2, {len(distinct)} distinct sentences",
         f"{stage_ratio:.2f}x", "<= 1.1x", verdict(stage_ratio <= 1.1)),
        (f"batched `Engine.translate` / raw CTranslate2, {len(flat)} sentences",
         f"{engine_ratio:.2f}x", "<= 1.1x", verdict(engine_ratio <= 1.1)),
        ("output tokens, babelfeed = raw CTranslate2", "equal" if same_work else "DIFFERENT", "equal",
         verdict(same_work)),
        (f"per article ({len(articles)} calls) / batched (1 call)", f"{article_ratio:.2f}x", ">= 1.8x",
         verdict(article_ratio >= 1.8)),
        (f"per sentence ({len(flat)} calls) / batched", f"{base / best['batched']:.2f}x", "-", "-"),
        (f"batched throughput ({where})",
         f"{per_second:.1f} sentences/s, {tokens_per_second:.0f} tokens/s", "-", "-"),
        (f"cache warm, {len(flat)} sentences", f"{cached * 1000:.0f} ms", "-", "-"),
    ]
    print("\n| figure | value | goal | result |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
