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
from babelfeed.language.scripts import (
    SENTENCE_CLOSERS,
    SENTENCE_ENDS,
    WIDE_SENTENCE_CLOSERS,
    WIDE_SENTENCE_ENDS,
)
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
_CLOSERS = SENTENCE_CLOSERS
_ENDS = SENTENCE_ENDS
_WIDE_ENDS = WIDE_SENTENCE_ENDS
_WIDE_CLOSERS = WIDE_SENTENCE_CLOSERS
#: Candidate sentence ends: a run of sentence-end characters and its closing quotes and
#: brackets, followed (after a space, for the Latin kind) by more text. Each kind is found as a
#: whole run (`[E][E]*`, not `[E]+`: only then does `re` skip to them in C), then what follows it
#: is checked once. One expression of both kinds, with a lookbehind for "the first of its run"
#: and the lookahead inside, was tried at every character (4.6 ms a 60 KB page, now under 1);
#: without the lookbehind, the lookahead inside made a run of n dots that fails it cost n^2 (each
#: of its characters started a match that read the rest of the run). Found as a whole, a run is
#: read once.
_END = re.compile(rf"[{_ENDS}][{_ENDS}]*[{re.escape(_CLOSERS)}]*")
_WIDE_END = re.compile(rf"[{_WIDE_ENDS}][{_WIDE_ENDS}]*[{re.escape(_WIDE_CLOSERS)}]*")
_SPACE_TEXT = re.compile(r"\s+\S")
_TEXT = re.compile(r"\s*\S")
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


def _candidates(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each candidate sentence end, in order; the two kinds never overlap
    (neither's characters or closers include the other's sentence ends). A wide run not
    followed by text (the paragraph's end) still ends before its last character when it has
    two or more: that is where the expression this replaced stopped, backtracking, and the
    sentence splits keep its answer."""
    found = [m.span() for m in _END.finditer(paragraph) if _SPACE_TEXT.match(paragraph, m.end())]
    if any(end in paragraph for end in _WIDE_ENDS):
        for m in _WIDE_END.finditer(paragraph):
            start, end = m.span()
            if _TEXT.match(paragraph, end):
                found.append((start, end))
            elif end - start > 1:
                found.append((start, end - 1))
        found.sort()
    return found


def _is_boundary(paragraph: str, start: int, end: int, language: str | None) -> bool:
    after = _WORD_AFTER.match(paragraph, end)
    next_word = after.group(1) if after else ""
    if next_word[:1].islower():
        return False
    punct = paragraph[start:end].rstrip(_CLOSERS)
    if punct != ".":
        return True  # ! ? … and ... end a sentence when a capital follows
    token = _token_before(paragraph, start).lstrip("\"'“„«([")
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
    for candidate, end in _candidates(paragraph):
        if _is_boundary(paragraph, candidate, end, language):
            spans.extend(_cut_long(start, end, paragraph))
            start = end
            while start < len(paragraph) and paragraph[start].isspace():
                start += 1
    stop = len(paragraph.rstrip())
    if start < stop:
        spans.extend(_cut_long(start, stop, paragraph))
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
    """Attach one `Segment` per sentence, with offsets into `article.text` and the article's
    language (`language.label_sentences` changes it for the few sentences in another). A
    paragraph longer than MAX_PARAGRAPH_CHARS goes on as the next paragraph index after the
    sentence that reaches the bound (between two whole sentences: nothing to flag)."""
    segments = []
    p_index = 0
    for p_start, p_end in split_paragraphs(article.text):
        paragraph = article.text[p_start:p_end]
        piece_start, s_index, stop = 0, 0, len(paragraph.rstrip())
        for s, e, cut in sentence_spans(paragraph, article.language):
            bound = e - piece_start >= MAX_PARAGRAPH_CHARS and e < stop
            segments.append(Segment(p_index, s_index, p_start + s, p_start + e, paragraph[s:e],
                                    language=article.language, translation_flags=(CUT,) if cut else ()))
            s_index += 1
            if bound:
                p_index, s_index, piece_start = p_index + 1, 0, e
        p_index += 1
    return replace(article, segments=tuple(segments))
