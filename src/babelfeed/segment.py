"""Paragraph and sentence splitting: offline, rule-based, abbreviation- and ordinal-aware.

argostranslate's own splitters (stanza, minisbd, spaCy) download models at run time, which an
air-gapped worker cannot do, and they run one article at a time. Our splitter is a scan over
candidate boundaries (`. ! ? …` and the sentence ends of other scripts, `। ؟ ۔ ።`..., followed
by space; `。！？`, which Chinese and Japanese write without one, followed by anything) that
vetoes the ones a reader would not treat as sentence ends: abbreviations ("Maj. Gen.",
"z. B.", "Mr."), initials and dotted acronyms ("U.S.", "e.g."), German-style ordinals ("am 1.
Oktober"), and any candidate followed by a lowercase letter.

Size is bounded, and a bound that cuts is recorded: a sentence longer than
MAX_SENTENCE_CHARS is cut at a space (or, in text without spaces, at the bound), and a
paragraph longer than MAX_PARAGRAPH_CHARS counts as several, cut between sentences. The pieces
of a cut sentence carry the flag `cut` in `translation_flags`: each is a fragment. Every scan is linear in
the paragraph: a candidate starts only at the first of a run of punctuation.
"""

from __future__ import annotations

import re
from dataclasses import replace

from babelfeed.article import Article, Segment
from babelfeed.normalize import PARAGRAPH_SEPARATOR

# Abbreviations matched with their case: titles, ranks and months are capitalised, and the
# lowercase word ("sun", "mar") is an ordinary sentence end.
_ABBREVIATIONS_CASED = frozenset(
    """
    Mr Mrs Ms Mx Dr Prof Sr Jr St Mt Ft Gen Maj Col Lt Sgt Cpl Pvt Capt Cmdr Adm Brig Gov Sen
    Rep Rev Hon Pres Supt Det Insp Gen Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun No Nos Nr Vol Fig Art Abs Bd Hr Fr Hrsg
    Mme Mlle Sra Srta Dra Ud Uds Inc Ltd Corp Co Bros
    """.split()
)
# Abbreviations that are never a sentence's last word, whatever their case.
_ABBREVIATIONS_ANY_CASE = frozenset(
    """
    etc vs approx dept est ca bzw usw vgl evtl ggf inkl zzgl sog bspw resp ebd einschl
    mio mrd tsd jh jhd geb gest nr str ggü
    """.split()
)
# Languages that write ordinals as a number and a dot ("am 1. Oktober", "den 3. maj").
_ORDINAL_DOT_LANGUAGES = frozenset(
    "de da no nb nn fi cs sk sl hr sr bs hu tr is et lv lt pl".split()
)
_MONTHS = frozenset(
    """
    januar februar märz april mai juni juli august september oktober november dezember
    jänner feber january february march may june july october december
    """.split()
)
# Closing quotes of English („“ German, «» French, »« German print) and brackets.
_CLOSERS = "\"'”’»“‘›«)]"
#: Sentence ends followed by a space: Latin, Devanagari and Bengali dandas, Arabic and Urdu,
#: Armenian, Ethiopic, Myanmar, Khmer, Tibetan.
_ENDS = ".!?…।॥؟۔։።။។།"
#: Sentence ends of scripts written without spaces (Chinese, Japanese), and their closers.
_WIDE_ENDS = "。！？｡"
_WIDE_CLOSERS = "」』）】〉》”’\"'"
_CANDIDATE = re.compile(
    rf"(?<![{_ENDS}])[{_ENDS}]+[{re.escape(_CLOSERS)}]*(?=\s+\S)"
    rf"|(?<![{_WIDE_ENDS}])[{_WIDE_ENDS}]+[{re.escape(_WIDE_CLOSERS)}]*(?=\s*\S)"
)
_ACRONYM = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")
_WORD_AFTER = re.compile(r"\s+[\"'“„«(\[]*([^\s\"'”“„«»()\[\]]+)")
#: Sentences longer than this are cut at a space: no real sentence is this long, and a
#: translation model truncates rather than translates what it cannot fit.
MAX_SENTENCE_CHARS = 1000
#: Paragraphs longer than this count as several (cut between sentences): a text without line
#: breaks (a flattened export, a page in one line) is not one paragraph of a book's length.
MAX_PARAGRAPH_CHARS = 20_000
#: The flag of a segment a length bound ended (it is a fragment, not a whole sentence).
CUT = "cut"


def _token_before(paragraph: str, end: int) -> str:
    """The run of non-space characters that ends at `end` (a scan back over one word: a regex
    anchored at `end` would rescan the paragraph from its start at every candidate)."""
    start = end
    while start > 0 and not paragraph[start - 1].isspace():
        start -= 1
    return paragraph[start:end]


def _is_boundary(paragraph: str, match: re.Match[str], language: str | None) -> bool:
    after = _WORD_AFTER.match(paragraph, match.end())
    next_word = after.group(1) if after else ""
    if next_word[:1].islower():
        return False
    punct = match.group(0).rstrip(_CLOSERS)
    if punct != ".":
        return True  # ! ? … and ... end a sentence when a capital follows
    token = _token_before(paragraph, match.start()).lstrip("\"'“„«([")
    if not token:
        return True
    if token in _ABBREVIATIONS_CASED or token.lower() in _ABBREVIATIONS_ANY_CASE:
        return False
    if len(token) == 1 and token.isalpha():
        return False  # an initial: "J. Smith", the "z" and "B" of "z. B."
    if _ACRONYM.match(token):
        return False  # "U.S", "e.g", "z.B", "d.h"
    if token.isdigit() and language in _ORDINAL_DOT_LANGUAGES:
        return not (len(token) <= 2 or next_word.lower() in _MONTHS)
    return True


def _cut_long(start: int, end: int, paragraph: str) -> list[tuple[int, int, bool]]:
    """The sentence [start, end) as spans of at most MAX_SENTENCE_CHARS, each marked whether
    the bound cut it (every piece of a cut sentence is a fragment)."""
    spans = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = paragraph.rfind(" ", start, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        spans.append((start, cut, True))
        start = cut + (paragraph[cut] == " ")
    spans.append((start, end, bool(spans)))
    return spans


def sentence_spans(paragraph: str, language: str | None = None) -> list[tuple[int, int, bool]]:
    """(start, end, cut) of the sentences of one paragraph, whitespace excluded; `cut` marks
    the pieces of a sentence longer than MAX_SENTENCE_CHARS."""
    spans: list[tuple[int, int, bool]] = []
    start = 0
    for match in _CANDIDATE.finditer(paragraph):
        if _is_boundary(paragraph, match, language):
            spans.extend(_cut_long(start, match.end(), paragraph))
            start = match.end()
            while start < len(paragraph) and paragraph[start].isspace():
                start += 1
    if start < len(paragraph.rstrip()):
        spans.extend(_cut_long(start, len(paragraph.rstrip()), paragraph))
    return spans


def split_sentences(paragraph: str, language: str | None = None) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences of one paragraph, whitespace excluded."""
    return [(s, e) for s, e, _ in sentence_spans(paragraph, language)]


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Offsets of the paragraphs of normalized text (separated by a blank line)."""
    spans, start = [], 0
    for part in text.split(PARAGRAPH_SEPARATOR):
        if part:
            spans.append((start, start + len(part)))
        start += len(part) + len(PARAGRAPH_SEPARATOR)
    return spans


def sentences(text: str, language: str | None = None) -> list[str]:
    """The sentences of a text, for callers that do not need offsets."""
    return [
        text[p_start + s : p_start + e]
        for p_start, p_end in split_paragraphs(text)
        for s, e in split_sentences(text[p_start:p_end], language)
    ]


def segment(article: Article) -> Article:
    """Attach one `Segment` per sentence, with offsets into `article.text`. A paragraph longer
    than MAX_PARAGRAPH_CHARS goes on as the next paragraph index after the sentence that
    reaches the bound (between two whole sentences: nothing to flag)."""
    segments = []
    p_index = 0
    for p_start, p_end in split_paragraphs(article.text):
        paragraph = article.text[p_start:p_end]
        piece_start, s_index = 0, 0
        for s, e, cut in sentence_spans(paragraph, article.language):
            bound = e - piece_start >= MAX_PARAGRAPH_CHARS and e < len(paragraph.rstrip())
            segments.append(Segment(p_index, s_index, p_start + s, p_start + e, paragraph[s:e],
                                    translation_flags=(CUT,) if cut else ()))
            s_index += 1
            if bound:
                p_index, s_index, piece_start = p_index + 1, 0, e
        p_index += 1
    return replace(article, segments=tuple(segments))
