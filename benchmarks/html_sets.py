"""Public extraction benchmarks with HTML pages and hand-made ground truth, kept out of git.

Their pages are other people's public material: they live in the git-ignored
`benchmarks/evalset/cache/html/<set>/`, brought from a checkout (or a bare mirror) of the
benchmark's own repository at a pinned commit:

    python benchmarks/html_sets.py bring aeb PATH-TO-A-CLONE-OF-scrapinghub/article-extraction-benchmark
    python benchmarks/html_sets.py bring trafilatura PATH-TO-A-CLONE-OF-adbar/trafilatura

`aeb`: scrapinghub's article-extraction-benchmark (181 English news and blog pages, the full
article body written by hand; scored by its evaluate.py: 4-token shingles, precision and recall
averaged over pages). `trafilatura`: trafilatura's evaluation corpus (`tests/evaldata.json`:
pages in German, English, French, Spanish, Polish, Chinese and more, each with hand-picked
snippets that must be in the extract ("with") and must not ("without"); scored by its
eval_common.count_item). Each set's own metric is reimplemented here in a few lines (the
benchmarks' code is not copied), so the figures compare with theirs.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HTML = Path(__file__).resolve().parent / "evalset" / "cache" / "html"


@dataclass(frozen=True)
class Source:
    repo: str
    commit: str
    paths: tuple[str, ...]


SETS: dict[str, Source] = {
    "aeb": Source("scrapinghub/article-extraction-benchmark", "4a3bc979f76c0df73cb95fe272e2fc1b96f9f010",
                  ("html", "ground-truth.json")),
    "trafilatura": Source("adbar/trafilatura", "e90b0ef51ab026fdb905fb6c5b3c84dd3d784fd5",
                          ("tests/eval", "tests/cache", "tests/evaldata.json")),
}


@dataclass(frozen=True)
class Page:
    """One benchmark page: its HTML bytes and what its set scores an extract against."""
    set: str
    key: str
    url: str | None
    html: bytes
    truth: str | None = None  # aeb: the article body
    with_: tuple[str, ...] = ()  # trafilatura: snippets the extract must contain
    without: tuple[str, ...] = ()  # ... and must not


def present(name: str) -> bool:
    return (HTML / name / ".commit").is_file()


def how_to_bring(name: str) -> str:
    source = SETS[name]
    return (f"python benchmarks/html_sets.py bring {name} CLONE  (CLONE: a clone of github.com/{source.repo}; "
            f"its commit {source.commit[:12]} is extracted)")


def bring(name: str, clone: Path) -> Path:
    """Extract the set's files at its pinned commit from a clone into the cache."""
    source = SETS[name]
    target = HTML / name
    archive = subprocess.run(["git", "-C", str(clone), "archive", "--format=tar", source.commit, *source.paths],
                             check=True, capture_output=True).stdout
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    (target / ".commit").write_text(f"{source.repo} {source.commit}\n", encoding="utf-8")
    return target


def _aeb() -> Iterator[Page]:
    root = HTML / "aeb"
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth):
        html = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes())
        yield Page("aeb", key, truth[key].get("url"), html, truth=truth[key].get("articleBody", ""))


def _trafilatura() -> Iterator[Page]:
    root = HTML / "trafilatura" / "tests"
    data = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    for url in sorted(data):
        item = data[url]
        for folder in ("cache", "eval"):  # the corpus's own look-up order
            file = root / folder / item["file"]
            if file.is_file():
                yield Page("trafilatura", item["file"], url, file.read_bytes(),
                           with_=tuple(item["with"]), without=tuple(item["without"]))
                break


def pages(name: str) -> list[Page]:
    return list({"aeb": _aeb, "trafilatura": _trafilatura}[name]())


#: Each set is split in two halves by a hash of the page's key: options and HTML rules are chosen
#: looking at half A only, and half B says whether the choice holds on pages it was not made on.
HALVES = ("A", "B")


def half(page: Page) -> str:
    """The page's half, "A" or "B": deterministic, from the SHA-256 of its key."""
    return HALVES[hashlib.sha256(page.key.encode("utf-8")).digest()[0] % 2]


# -- the sets' own metrics --------------------------------------------------------------

_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def shingle_counts(truth: str, extract: str) -> tuple[float, float, float]:
    """aeb's per-page (tp, fp, fn) over 4-token shingles, normalized to sum 1 (pages weigh the same)."""
    t, p = shingles(truth), shingles(extract)
    tp = sum(min(t[k], p[k]) for k in t.keys() | p.keys())
    fp = sum(max(0, p[k] - t[k]) for k in p)
    fn = sum(max(0, t[k] - p[k]) for k in t)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def shingle_scores(counts: list[tuple[float, float, float]]) -> dict[str, float]:
    """aeb's precision and recall: means over pages (1 where a page has neither fp nor fn); F1 of the two."""
    def precision(tp: float, fp: float, fn: float) -> float | None:
        if fp == fn == 0:
            return 1.0
        return None if tp + fp == 0 else tp / (tp + fp)

    def recall(tp: float, fp: float, fn: float) -> float | None:
        if fp == fn == 0:
            return 1.0
        return None if tp + fn == 0 else tp / (tp + fn)

    ps = [v for v in (precision(*c) for c in counts) if v is not None]
    rs = [v for v in (recall(*c) for c in counts) if v is not None]
    p, r = sum(ps) / len(ps), sum(rs) / len(rs)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def snippet_counts(page: Page, extract: str | None) -> tuple[int, int, int, int]:
    """trafilatura's per-page (tp, fp, fn, tn): whitespace-normalized substring tests."""
    text = _norm(extract or "")
    tp = sum(_norm(w) in text for w in page.with_) if extract else 0
    fp = sum(_norm(w) in text for w in page.without) if extract else 0
    return tp, fp, len(page.with_) - tp, len(page.without) - fp


def snippet_scores(counts: list[tuple[int, int, int, int]]) -> dict[str, float]:
    tp, fp, fn, _ = (sum(c[i] for c in counts) for i in range(4))
    p, r = tp / (tp + fp), tp / (tp + fn)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    bring_cmd = sub.add_parser("bring", help="extract a set from a clone of its repository")
    bring_cmd.add_argument("name", choices=sorted(SETS))
    bring_cmd.add_argument("clone", type=Path)
    args = parser.parse_args()
    try:
        target = bring(args.name, args.clone)
    except subprocess.CalledProcessError as exc:
        sys.exit(f"html_sets: git archive failed in {args.clone}: {exc.stderr.decode(errors='replace').strip()} "
                 f"(is it a clone of {SETS[args.name].repo} with commit {SETS[args.name].commit}?)")
    print(f"{args.name}: {len(pages(args.name))} pages in {target}")


if __name__ == "__main__":
    main()
