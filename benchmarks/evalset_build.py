"""Build the evaluation set's labels and cached texts from the labeller's working records.

A labeller reads each page and writes one JSON line per page into a git-ignored file
`evalset/cache/collect/*.jsonl`:

    {"url": ..., "lang": "ru", "text": <the page text, verbatim>, "dirt": [SPEC, ...]}

Every line is body unless a SPEC names it; a SPEC is `kind: PREFIX` (the first line that is
PREFIX, or else starts with it), `kind@k: PREFIX` (the k-th line starting with it) or
`kind: PREFIX ... PREFIX2` (a run of lines, both ends included). Naming lines by their start
rather than by number keeps the labels right while reading the page once, and a SPEC that
matches no line stops the build. `build` writes `evalset/cache/texts/<id>.txt` and the
committed `evalset/labels.jsonl` (with the split, made here); `show` prints labelled pages for
checking them.

Usage: python benchmarks/evalset_build.py build
       python benchmarks/evalset_build.py show [ID-or-language ...] [--dirt-only]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evalset_labels import (  # noqa: E402
    BODY,
    CACHE,
    KINDS,
    LABELS,
    TEXTS,
    attach,
    line_hash,
    normalize_line,
    page_id,
    read_labels,
    split_lines,
    text_hash,
)

COLLECT = CACHE / "collect"
#: Script of each language in the set.
SCRIPT_OF = {
    **dict.fromkeys(["en", "de", "fr", "es", "it", "pt", "nl", "pl", "tr", "id", "vi", "cs", "sv",
                     "ro", "hu", "fi", "da", "no", "ms", "sw", "tl", "hr", "sk", "ca", "lt"], "Latin"),
    **dict.fromkeys(["ru", "uk", "bg", "sr", "kk", "be", "mk"], "Cyrillic"),
    **dict.fromkeys(["ar", "fa", "ur", "ps"], "Arabic"),
    **dict.fromkeys(["hi", "mr", "ne"], "Devanagari"),
    "zh": "Han", "ja": "Japanese", "ko": "Hangul", "th": "Thai", "el": "Greek", "he": "Hebrew",
    "bn": "Bengali", "ta": "Tamil", "ka": "Georgian", "hy": "Armenian",
}


class SpecError(ValueError):
    pass


def site_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _find(lines: list[str], prefix: str, start: int = 0, occurrence: int | None = None) -> int:
    prefix = normalize_line(prefix)
    hits = [i for i in range(start, len(lines)) if lines[i].startswith(prefix)]
    if not hits or (occurrence and len(hits) < occurrence):
        raise SpecError(f"no line starts with {prefix!r}")
    if occurrence:
        return hits[occurrence - 1]
    exact = [i for i in hits if lines[i] == prefix]
    return exact[0] if exact else hits[0]


def labels_of(lines: list[str], specs: list[str]) -> list[str]:
    """The label of each line from a record's dirt SPECs (see the module's docstring)."""
    labels = [BODY] * len(lines)
    for spec in specs:
        head, sep, target = spec.partition(":")
        if not sep:
            raise SpecError(f"{spec!r}: expected 'kind: PREFIX'")
        kind, _, occurrence = head.strip().partition("@")
        if kind not in KINDS:
            raise SpecError(f"{spec!r}: unknown kind {kind!r} (kinds: {', '.join(KINDS)})")
        first_prefix, dots, last_prefix = target.strip().partition(" ... ")
        first = _find(lines, first_prefix, occurrence=int(occurrence) if occurrence else None)
        last = _find(lines, last_prefix, first) if dots else first
        for i in range(first, last + 1):
            if labels[i] not in (BODY, kind):
                raise SpecError(f"{spec!r}: line {i + 1} is already {labels[i]}")
            labels[i] = kind
    return labels


def assign_splits(pages: list[dict]) -> dict[str, str]:
    """Site -> split. The newest round of pages (`round` in their records) is the held-out part;
    every earlier round is development. A held-out part is reported on a few times while rules
    are written on the development part; then its failures are read, it joins development, and a
    new round, collected from sites the set does not have, is held out. A site also in an earlier
    round is development (its pages were seen), so one site's pages are never in both parts."""
    newest = max((page.get("round", 1) for page in pages), default=1)
    split: dict[str, str] = {}
    for page in sorted(pages, key=lambda p: p.get("round", 1)):
        if page.get("round", 1) < newest:
            split[page["site"]] = "dev"
        else:
            split.setdefault(page["site"], "heldout")
    return split


def records() -> list[dict]:
    out, seen = [], set()
    for file in sorted(COLLECT.glob("*.jsonl")):
        for number, raw in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not raw.strip():
                continue
            where = f"{file.name}:{number}"
            record = json.loads(raw)
            if record["url"] in seen:
                raise SpecError(f"{where}: {record['url']} is in the set twice")
            seen.add(record["url"])
            lines = split_lines(record["text"])
            try:
                labels = labels_of(lines, record.get("dirt", []))
            except SpecError as exc:
                raise SpecError(f"{where} ({record['url']}): {exc}") from None
            out.append({"record": record, "lines": lines, "labels": labels, "where": where})
    return out


def build() -> None:
    pages = []
    TEXTS.mkdir(parents=True, exist_ok=True)
    for item in records():
        record = item["record"]
        language = record["lang"]
        pid = page_id(record["url"])
        (TEXTS / f"{pid}.txt").write_bytes(record["text"].encode("utf-8"))
        pages.append({
            "id": pid, "url": record["url"], "site": site_of(record["url"]), "language": language,
            "script": record.get("script") or SCRIPT_OF[language], "split": "", "round": record.get("round", 1),
            "source": "search:pages", "sha256": text_hash(record["text"]),
            "lines": [[line_hash(line), label] for line, label in zip(item["lines"], item["labels"], strict=True)],
        })
    splits = assign_splits(pages)
    for page in pages:
        page["split"] = splits[page["site"]]
    pages.sort(key=lambda p: (p["language"], p["site"], p["url"]))
    with LABELS.open("w", encoding="utf-8") as f:
        for page in pages:
            f.write(json.dumps(page, ensure_ascii=False) + "\n")
    lines = Counter(label for p in pages for _, label in p["lines"])
    print(f"{len(pages)} pages, {len({p['language'] for p in pages})} languages, "
          f"{len({p['script'] for p in pages})} scripts, {len(splits)} sites; "
          f"{sum(lines.values())} lines: " + ", ".join(f"{k}={v}" for k, v in lines.most_common()))
    for part in ("dev", "heldout"):
        its = [p for p in pages if p["split"] == part]
        print(f"{part}: {len(its)} pages, {len({p['site'] for p in its})} sites, "
              f"{len({p['language'] for p in its})} languages")


def show(which: list[str], dirt_only: bool) -> None:
    for record in read_labels():
        if which and record["id"] not in which and record["language"] not in which:
            continue
        page = attach(record, (TEXTS / f"{record['id']}.txt").read_bytes().decode("utf-8"))
        print(f"== {page.id} {page.language} {page.split} {page.url}")
        for n, (line, label) in enumerate(zip(page.lines, page.labels, strict=True), 1):
            if not dirt_only or label != BODY:
                print(f"{n:3} {label[:8]:8} {line[:90]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "show"])
    parser.add_argument("which", nargs="*")
    parser.add_argument("--dirt-only", action="store_true")
    args = parser.parse_args()
    try:
        build() if args.command == "build" else show(args.which, args.dirt_only)
    except SpecError as exc:
        sys.exit(f"evalset_build: {exc}")


if __name__ == "__main__":
    main()
