"""Unicode repair: ftfy's answer, computed only where ftfy could change the text.

`ftfy.fix_text` runs, line by line, its fixers and NFC. On a 60 KB page it cost 20-24 ms, most of
it ftfy's own mojibake test (`badness.is_bad`: one search of a regular expression of 37
alternatives, tried at every position), on text that is almost never mojibake. Every fixer is
the identity on a text that

  (a) has no line ftfy's mojibake test flags,
  (b) holds none of the characters the other fixers act on (`&` of HTML entities, ESC, C1
      controls, ligatures, `\\r` and the other line breaks, surrogates, the control characters
      ftfy removes; fullwidth forms only where the width fix is on), and
  (c) is already in the configured normal form (NFC),

so `fix` checks those three with scans that run in C and calls `fix_text` only when one fails:
its answer is `fix_text`'s on every text (on 2,530 clean documents in 75 languages, 2,026 made
mojibake texts and ftfy's 161 test cases: benchmarks/STUDY_issue20.md), at about 1 ms a 60 KB
page instead of 20.

(a) is ftfy's own regular expression searched only near the characters every match of it
needs: each alternative requires a character of some class above U+007F (`_triggers`, found by
reading the expression), and no match is longer than the expression's maximum width, so a
window of that width either side of each run of trigger characters holds every match. The
expression is searched with `^` matching at every line start, as `fix_text` tests each line.
Where ftfy's expression cannot be read that way (a future ftfy, or a Python whose private `re`
parser moved), `fix` calls `fix_text` always: slower, never different.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import ftfy
from ftfy import chardata
from ftfy.badness import BADNESS_RE

#: Typographic quotes and dashes are part of the original, not noise, and so is the fullwidth
#: punctuation of Chinese and Japanese (，：！？（）) with the fullwidth letters and digits of
#: their house styles: ftfy's width fix would turn them into ASCII in every stored CJK article
#: (and `！？` followed by text would no longer end a sentence: `segment` needs a space after
#: ASCII `!?`). The text keeps them; NFC, not NFKC, is the canonical form.
CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, normalization="NFC", explain=False)


def _class_members(op: object, av: object) -> set[int] | None:
    """The characters one item of a parsed expression matches, where it is a fixed set."""
    from re import _constants as c  # type: ignore[attr-defined]

    if op is c.LITERAL:
        return {av}  # type: ignore[arg-type]
    if op is not c.IN:
        return None
    out: set[int] = set()
    for o, a in av:  # type: ignore[attr-defined]
        if o is c.LITERAL:
            out.add(a)
        elif o is c.RANGE:
            out.update(range(a[0], a[1] + 1))
        else:
            return None  # NEGATE, a category (\\w, \\s): not a fixed set
    return out


def _triggers(pattern: re.Pattern[str]) -> tuple[set[int], int] | None:
    """Characters one of which every match of `pattern` contains, and the longest match; None
    where the expression is not a choice of alternatives that each need a fixed class of
    characters above U+007F, or a match can be arbitrarily long.

    Per alternative the class with the fewest common letters (Latin-1, Greek, Cyrillic) is
    taken, so that ordinary text of those scripts opens few windows."""
    from re import _constants as c  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    if pattern.flags & re.IGNORECASE:
        return None
    tree = _parser.parse(pattern.pattern, pattern.flags)
    width = tree.getwidth()[1]
    if width >= c.MAXREPEAT or len(tree.data) != 1 or tree.data[0][0] is not c.BRANCH:
        return None
    common = set(range(0xC0, 0x100)) | set(range(0x391, 0x3CA)) | set(range(0x401, 0x452))
    found: set[int] = set()
    for branch in tree.data[0][1][1]:
        classes = [m for op, av in branch.data if (m := _class_members(op, av)) and min(m) >= 0x80]
        if not classes:
            return None
        found |= min(classes, key=lambda m: (len(m & common), len(m)))
    return found, width


def _char_class(codes: set[int]) -> str:
    return "[" + "".join(re.escape(chr(code)) for code in sorted(codes)) + "]"


def _mojibake_test() -> Callable[[str], bool] | None:
    """True wherever ftfy's mojibake test flags some line of the text (and, rarely, where a
    match spans a line break, which only costs a call of `fix_text`)."""
    try:
        read = _triggers(BADNESS_RE)
    except (ImportError, AttributeError, TypeError, ValueError):
        read = None  # `re`'s private parser changed (another Python): the slow, exact path
    if read is None:
        return None
    trigger, width = read
    runs = re.compile(_char_class(trigger) + "+")
    search = re.compile(BADNESS_RE.pattern, BADNESS_RE.flags | re.MULTILINE).search

    def looks_bad(text: str) -> bool:
        lo = hi = -1
        for run in runs.finditer(text):
            start, end = run.start() - width, run.end() + width
            if start > hi:
                if hi >= 0 and search(text, max(lo, 0), hi):
                    return True
                lo = start
            hi = end
        return hi >= 0 and search(text, max(lo, 0), hi) is not None

    return looks_bad


def _touched(config: ftfy.TextFixerConfig) -> re.Pattern[str]:
    """A character any fixer other than the mojibake repair would change, under `config`."""
    codes: set[int] = set()
    if config.unescape_html:
        codes.add(ord("&"))
    if config.remove_terminal_escapes:
        codes.add(0x1B)
    if config.fix_encoding or config.fix_c1_controls:
        codes.update(range(0x80, 0xA0))
    if config.fix_latin_ligatures:
        codes.update(chardata.LIGATURES)
    if config.fix_character_width:
        codes.update(chardata.WIDTH_MAP)
    if config.uncurl_quotes:
        codes.update(c for pattern in (chardata.SINGLE_QUOTE_RE, chardata.DOUBLE_QUOTE_RE)
                     for c in range(0x80, 0x10000) if pattern.match(chr(c)))
    if config.fix_line_breaks:
        codes.update(map(ord, "\r\x85\u2028\u2029"))
    if config.remove_control_chars:
        codes.update(chardata.CONTROL_CHARS)
    surrogates = "\ud800-\udfff" if config.fix_surrogates else ""
    return re.compile(_char_class(codes)[:-1] + surrogates + "]")


_looks_bad = _mojibake_test()
_needs_other_fix = _touched(CONFIG).search


def fix(text: str) -> str:
    """`ftfy.fix_text(text, config=CONFIG)`, without running it where it returns `text`."""
    if (
        _looks_bad is None
        or _needs_other_fix(text)
        or (CONFIG.normalization and not unicodedata.is_normalized(CONFIG.normalization, text))
        or _looks_bad(text)
    ):
        return ftfy.fix_text(text, config=CONFIG)
    return text


def fast_path_active() -> bool:
    """Whether ftfy's mojibake test could be read (see the module's docstring): a test checks
    it, so a new ftfy that defeats it is noticed, not silently slow."""
    return _looks_bad is not None
