"""Which writing systems a text is written in, and which languages each allows.

langdetect decides from character n-grams alone and can be confidently wrong across scripts:
on Taiwanese news it answered Korean with probability 1.0 for a text without a single Hangul
syllable. The script is a fact of the text, so every answer is checked against it: Hangul
means Korean, Kana means Japanese, Han without either is Chinese (Traditional or Simplified
by its characters, which `hanzidentifier` knows), and Cyrillic, Arabic, Devanagari, Greek,
Hebrew and the other scripts narrow the choice to the languages written in them.
"""

from __future__ import annotations

import re
from collections import Counter

_RANGES = {
    "latin": "A-Za-z\u00c0-\u024f\u1e00-\u1eff",
    "cyrillic": "\u0400-\u04ff",
    "greek": "\u0370-\u03ff",
    "arabic": "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff",
    "hebrew": "\u0590-\u05ff",
    "devanagari": "\u0900-\u097f",
    "bengali": "\u0980-\u09ff",
    "gurmukhi": "\u0a00-\u0a7f",
    "gujarati": "\u0a80-\u0aff",
    "tamil": "\u0b80-\u0bff",
    "telugu": "\u0c00-\u0c7f",
    "kannada": "\u0c80-\u0cff",
    "malayalam": "\u0d00-\u0d7f",
    "thai": "\u0e00-\u0e7f",
    "han": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
    "kana": "\u3040-\u30ff\u31f0-\u31ff",
    "hangul": "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af",
}
_PATTERNS = {name: re.compile(f"[{chars}]") for name, chars in _RANGES.items()}

#: How sentences end, in every script: the marks followed by a space (Latin, Devanagari and
#: Bengali dandas, Arabic and Urdu, Armenian, Ethiopic, Myanmar, Khmer, Tibetan) and the closing
#: quotes and brackets after them (English, „“ German, «» French, »« German print) ...
SENTENCE_ENDS = ".!?…।॥؟۔։።။។།"
SENTENCE_CLOSERS = "\"'”’»“‘›«)]"
#: ... and the marks of scripts written without spaces (Chinese, Japanese), with their closers.
#: One list for segmentation (`segment`) and page dirt (`normalize.lines`): a paragraph is
#: running text exactly when it ends as a sentence does.
WIDE_SENTENCE_ENDS = "。！？｡"
WIDE_SENTENCE_CLOSERS = "」』）】〕〉》”’\"'"


def any_of(*names: str) -> re.Pattern[str]:
    """One character of any of the named scripts, as this module draws their ranges (so page
    dirt and language detection agree on what is Han, Kana or Thai)."""
    return re.compile("[" + "".join(_RANGES[name] for name in names) + "]")


def _spans(chars: str) -> list[tuple[int, int]]:
    """The code point ranges of a character class body such as "A-Za-z\u00c0-\u024f"."""
    spans, i = [], 0
    while i < len(chars):
        if i + 2 < len(chars) and chars[i + 1] == "-":
            spans.append((ord(chars[i]), ord(chars[i + 2])))
            i += 3
        else:
            spans.append((ord(chars[i]), ord(chars[i])))
            i += 1
    return spans


#: The character that stands for each script in `counts` (private-use code points), and the
#: ranges of each.
_MARKS = dict(zip(_RANGES, map(chr, range(0xE000, 0xE000 + len(_RANGES))), strict=True))
_SPANS = [(lo, hi, _MARKS[name]) for name, chars in _RANGES.items() for lo, hi in _spans(chars)]


class _ScriptOf(dict):
    """ord(ch) -> the character standing for its script (None: no script we count), worked out
    the first time a character is met: `counts` is one `str.translate` and a `str.count` per
    script instead of 17 scans of the text."""

    def __missing__(self, code: int) -> str | None:
        if len(self) > TABLE_ENTRIES:  # bounded: text of every character must not grow a worker
            self.clear()
        value = self[code] = next((mark for lo, hi, mark in _SPANS if lo <= code <= hi), None)
        return value


TABLE_ENTRIES = 65_536
_SCRIPT_OF = _ScriptOf()

#: The languages langdetect knows, by the script they are written in.
LANGUAGES = {
    "latin": frozenset(
        "af ca cs cy da de en es et fi fr hr hu id it lt lv nl no pl pt ro sk sl so sq sv sw tl tr vi".split()
    ),
    "cyrillic": frozenset({"bg", "mk", "ru", "uk"}),
    "greek": frozenset({"el"}),
    "arabic": frozenset({"ar", "fa", "ur"}),
    "hebrew": frozenset({"he"}),
    "devanagari": frozenset({"hi", "mr", "ne"}),
    "bengali": frozenset({"bn"}),
    "gurmukhi": frozenset({"pa"}),
    "gujarati": frozenset({"gu"}),
    "tamil": frozenset({"ta"}),
    "telugu": frozenset({"te"}),
    "kannada": frozenset({"kn"}),
    "malayalam": frozenset({"ml"}),
    "thai": frozenset({"th"}),
    "han": frozenset({"zh-cn", "zh-tw"}),
    "kana": frozenset({"ja"}),
    "hangul": frozenset({"ko"}),
}
#: A few Kana among Han characters make a text Japanese (Japanese news is mostly Han by
#: count); Hangul must be a real share, as Korean text may quote Han characters.
KANA_SHARE = 0.05
HANGUL_SHARE = 0.2


def counts(text: str) -> Counter[str]:
    """Letters per script."""
    marks = text.translate(_SCRIPT_OF)
    return Counter({name: n for name, mark in _MARKS.items() if (n := marks.count(mark))})


def latin_share(text: str, letters: int) -> float:
    """The share of `letters` (the text's letter count) that are Latin."""
    return len(_PATTERNS["latin"].findall(text)) / letters if letters else 0.0


def dominant(text: str) -> str | None:
    """The text's dominant script (a key of LANGUAGES); None when it has no letters we know.
    Chinese, Japanese and Korean are told apart by their share of Kana and Hangul."""
    found = counts(text)
    if not found:
        return None
    cjk = found["han"] + found["kana"] + found["hangul"]
    if cjk and cjk >= max(found.values()):
        if found["hangul"] >= HANGUL_SHARE * cjk:
            return "hangul"
        if found["kana"] >= KANA_SHARE * cjk:
            return "kana"
        return "han"
    script, _ = found.most_common(1)[0]
    return script


def allowed_languages(text: str) -> frozenset[str] | None:
    """The languages the text's dominant script allows; None when it has no letters we know."""
    script = dominant(text)
    return None if script is None else LANGUAGES[script]


#: Scripts a language's text may be dominated by besides its own: Japanese sentences written
#: in Kanji alone and Korean ones in Hanja are Han by count.
_ALSO_WRITTEN_IN = {"ja": frozenset({"han"}), "ko": frozenset({"han"})}


def written_in(language: str) -> frozenset[str]:
    """The scripts whose dominance a text in `language` can show (empty for a language langdetect
    does not know)."""
    own = frozenset(script for script, languages in LANGUAGES.items() if language in languages)
    return own | _ALSO_WRITTEN_IN.get(language, frozenset())


def chinese_variant(text: str) -> str | None:
    """`zh-tw` for Traditional characters, `zh-cn` for Simplified, None where the characters
    are common to both or mixed."""
    import hanzidentifier

    kind = hanzidentifier.identify(text)
    if kind == hanzidentifier.TRADITIONAL:
        return "zh-tw"
    if kind == hanzidentifier.SIMPLIFIED:
        return "zh-cn"
    return None
