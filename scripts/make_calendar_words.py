"""Write src/babelfeed/normalize/calendar_words.py: month and weekday names and the words of
relative times ("3 hours ago", "vor 2 Tagen", "2년 전") in many languages, from CLDR.

A dateline ("3 марта 2026, 15:29", "Publié le jeudi 18 mai 2017", "31 min geleden") is found by
its shape: numbers, calendar words and little else. Which words are calendar words is CLDR's
business, not ours: this script reads them from Babel's copy of CLDR (installed with
trafilatura's URL library) and writes them as a plain Python module, so babelfeed does not
import Babel or parse locale data at run time. Run it again to add a language:

    python scripts/make_calendar_words.py
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from babel import Locale

#: The languages babelfeed detects and news is written in (langdetect's codes, Babel's names).
LOCALES = (
    "af ar bg bn ca cs cy da de el en es et fa fi fr gu he hi hr hu id it ja kn ko lt lv mk ml mr "
    "ne nl no pa pl pt ro ru sk sl so sq sv sw ta te th tl tr uk ur vi zh zh_Hant"
).split()
OUT = Path(__file__).resolve().parents[1] / "src" / "babelfeed" / "normalize" / "calendar_words.py"
#: CLDR's date fields whose relative forms name a time ("{0} minutes ago", "yesterday").
FIELDS = ("second", "minute", "hour", "day", "week", "month", "year")
_NUMBER = re.compile(r"\{0\}")


def _norm(word: str) -> str:
    return unicodedata.normalize("NFC", word).casefold().strip(".,'’")


def _tokens(text: str) -> list[str]:
    return [t for t in (_norm(t) for t in text.split()) if any(c.isalpha() for c in t)]


def _to_dict(value):
    return {k: _to_dict(v) for k, v in value.items()} if hasattr(value, "items") else value


def _latin_short(word: str) -> bool:
    """A Latin-script token of one or two letters ("to", "r"): too common a word to mean a date."""
    return len(word) <= 2 and all("a" <= c <= "z" or c in "àáâäãåèéêëìíîïòóôöõùúûüçñ" for c in word)


def collect() -> tuple[set[str], set[str], set[str], set[str]]:
    """(month and weekday names, their abbreviations, relative-time words, unit suffixes written
    onto a number: 시간, 小时, 年)."""
    wide: set[str] = set()
    short: set[str] = set()
    relative: set[str] = set()
    suffixes: set[str] = set()
    for code in LOCALES:
        locale = Locale.parse(code)
        for table in (locale.months, locale.days):
            for context in ("format", "stand-alone"):
                for name in table.get(context, {}).get("wide", {}).values():
                    wide.update(_tokens(name))
                for name in table.get(context, {}).get("abbreviated", {}).values():
                    short.update(w for w in _tokens(name) if len(w) >= 3)
        for period in locale.day_periods.get("format", {}).get("abbreviated", {}).values():
            short.update(w for w in _tokens(period) if not _latin_short(w))  # "ص", "午前": beside a time
        fields = locale._data["date_fields"]
        for field in FIELDS:
            for variant in (field, f"{field}-short"):
                if variant not in fields:
                    continue
                data = _to_dict(fields[variant])
                for direction in ("past",):
                    for pattern in data.get(direction, {}).values():
                        for token in pattern.split():
                            if "{0}" in token:
                                suffix = _norm(_NUMBER.sub("", token))
                                if any(c.isalpha() for c in suffix):
                                    suffixes.add(suffix)
                            else:
                                relative.update(_tokens(token))
                for offset, phrase in data.get("relative", {}).items():
                    if offset in (0, -1):  # "today", "yesterday", "this hour"
                        relative.update(_tokens(phrase))
    relative = {w for w in relative if not _latin_short(w)}
    # An abbreviation that is also a common word of some language ("the", "min", "mar"...) is
    # not taken: jusText's stoplists (installed with trafilatura) name the common words.
    import justext

    common = set().union(*(map(str.casefold, justext.get_stoplist(name)) for name in justext.get_stoplists()))
    return wide, short - wide - common, relative, suffixes


def main() -> None:
    wide, short, relative, suffixes = collect()

    def literal(words: set[str]) -> str:
        items = sorted(w for w in words if w)
        lines, line = [], "    "
        for item in items:
            piece = repr(item) + ", "
            if len(line) + len(piece) > 100:
                lines.append(line.rstrip())
                line = "    "
            line += piece
        lines.append(line.rstrip())
        return "frozenset({\n" + "\n".join(lines) + "\n})"

    OUT.write_text(
        '"""Calendar words of many languages, from CLDR (written by scripts/make_calendar_words.py:\n'
        'do not edit). Casefolded, without trailing dots.\n"""\n\n'
        "# fmt: off\n"
        f"#: Month and weekday names in full, every grammatical context.\n"
        f"CALENDAR = {literal(wide)}\n\n"
        f"#: Their abbreviations of three letters or more, and AM/PM marks: a date only beside a number.\n"
        f"CALENDAR_SHORT = {literal(short)}\n\n"
        f"#: Words of relative times besides the number: \"ago\", \"geleden\", \"назад\", \"전\", \"today\".\n"
        f"RELATIVE = {literal(relative)}\n\n"
        f"#: Units written onto their number (\"3시간\", \"5小时前\", \"2年\"): a number with one is a time.\n"
        f"NUMBER_SUFFIXES = {literal(suffixes)}\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT}: {len(wide)} calendar words, {len(short)} abbreviations, {len(relative)} relative words, "
          f"{len(suffixes)} suffixes from {len(LOCALES)} languages")


if __name__ == "__main__":
    main()
