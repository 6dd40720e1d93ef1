"""Why translation batches sentences across articles, and caches them (design: Translation).

Builds a random-weight argos package of the real size (transformer-base: 6+6 layers,
d_model 512, 8k vocabulary), then translates the same German sentences three ways through
babelfeed's engine, in one process:
  per sentence   one CTranslate2 call per sentence (what a naive loop does)
  per article    one call per article (what argostranslate's translate() does)
  batched        one call for all articles of the batch (babelfeed)
and again with the sentence cache warm. Reports seconds and ratios against the per-sentence
baseline. Random weights babble, so every output is cut at --max-tokens tokens: the figures
compare call patterns, not translation quality.

Usage: python benchmarks/translate_batching.py [--articles 20] [--max-tokens 32]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--max-tokens", type=int, default=32)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="babelfeed-bench-"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(work / "argos")

    from babelfeed import models
    from babelfeed.segment import sentences
    from babelfeed.settings import Settings
    from babelfeed.translate import TranslationCache, load_engine, translate_articles
    from random_argos import BASE, build_argos_package, seed_lines

    german = (REPO / "seeds" / "002_9ebab77608ba1ccd.txt").read_text(encoding="utf-8")
    start = time.perf_counter()
    model = models.install_file(build_argos_package(work / "pkg", seed_lines() * 20, size=BASE))
    print(f"built and installed a transformer-base random model in {time.perf_counter() - start:.1f} s")

    rng = random.Random(0)
    pool = sentences(german.replace("\n", "\n\n"), "de")
    articles = [rng.sample(pool, 8) for _ in range(args.articles)]
    settings = Settings(warehouse=str(work / "wh"), max_decoding_length=args.max_tokens, online_models=False)
    engine = load_engine(model, settings)
    engine.translate(pool[:2])  # warm up

    def timed(label: str, calls) -> float:
        t = time.perf_counter()
        for batch in calls:
            engine.translate(batch)
        seconds = time.perf_counter() - t
        print(f"{label:14s} {seconds:7.2f} s  ({len(calls)} calls)")
        return seconds

    total = sum(len(a) for a in articles)
    print(f"{args.articles} articles, {total} sentences, beam {settings.beam_size}, <= {args.max_tokens} tokens each")
    base = timed("per sentence", [[s] for a in articles for s in a])
    per_article = timed("per article", articles)
    batched = timed("batched", [[s for a in articles for s in a]])

    from datetime import UTC, datetime

    from babelfeed.article import Article
    from babelfeed.normalize import normalize_text
    from babelfeed.segment import segment

    docs = [segment(Article(f"a{i}", f"a{i}", "file", datetime.now(UTC), "h",
                            normalize_text("\n".join(a)), language="de")) for i, a in enumerate(articles)]
    cache = TranslationCache(work / "cache.sqlite")
    translate_articles(docs, settings, cache)
    t = time.perf_counter()
    _, stats = translate_articles(docs, settings, cache)
    cached = time.perf_counter() - t
    print(f"{'cache warm':14s} {cached:7.2f} s  ({stats.cache_hits} distinct sentences from the cache)")
    print(f"speed-up over per sentence: per article {base / per_article:.2f}x, batched {base / batched:.2f}x, "
          f"cached {base / max(cached, 1e-9):.0f}x")


if __name__ == "__main__":
    main()
