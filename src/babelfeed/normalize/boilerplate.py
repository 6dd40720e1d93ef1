"""Page dirt inside an article's text: found, named and kept aside, never silently deleted.

trafilatura removes page chrome from HTML, but captions, credits and link boxes inside the
article body survive it, and plain-text inputs (text files, JSONL bodies) get no cleaning at
all. What is not the article must not be counted, segmented or translated as if it were, so
each paragraph that is recognisably not body text leaves the text for `Article.boilerplate`
with its kind.

Precision first: a body sentence moved aside is worse than a caption left in. Every rule is
anchored on a form body text does not take: a photo agency credit with no full stop after it,
"... contributed." as a whole paragraph, a "Read more:" heading and its bullet list, a
sentence cut off by an ellipsis, a verbatim repeat. The phrases are those of the languages
news is most often in (English, German, French, Spanish, Italian, Dutch, Portuguese, Polish,
Russian); a short, unpunctuated line is a caption only beside other dirt, since on its own it
is as likely a subheading ("Global Reactions").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum


class Kind(StrEnum):
    CAPTION = "caption"  # an image caption (often ending in its credit)
    CREDIT = "credit"  # a photo credit alone, or "X and Y contributed."
    BYLINE = "byline"  # "By Jane Doe", "Von Max Muster", reading time
    TEASER = "teaser"  # a lead cut off with an ellipsis
    REPEATED = "repeated"  # a paragraph repeated verbatim later in the text
    RELATED_LINKS = "related_links"  # "Read more:" and the headlines listed under it
    SUBSCRIBE = "subscribe"  # newsletter, subscription and cookie lines


_AGENCIES = (
    r"Getty Images|AFP|AP|AP Photo|Reuters|dpa|EPA|EPA-EFE|EFE|ANSA|ANP|Keystone|Xinhua|Bloomberg|"
    r"Shutterstock|imago(?: images)?|picture[- ]alliance|IMAGO|Anadolu(?: Agency)?|NurPhoto|SOPA Images|"
    r"Sipa|Alamy|Agencia|Europa Press|TASS|РИА Новости|PAP"
)
#: "Name/AFP – Getty Images", "(AP Photo/Name)", "Foto: Name/dpa" at the end of a paragraph,
#: with no full stop after it (body text that names an agency ends with one: "told Reuters.").
#: Searched only in the paragraph's last TAIL_CHARS characters, and a match starts only where a
#: word does: searched from every position of a long unspaced token (Chinese is written
#: without spaces) it cost time quadratic in the token.
_CREDIT_TAIL = re.compile(
    rf"(?:(?<!\S)(?:\S+\s){{0,3}}\S*/\s*(?:{_AGENCIES})(?:\s*[-–—|]\s*(?:{_AGENCIES}))?"
    rf"|\((?:AP|AFP|Reuters|dpa)\s+Photo[^)]*\)"
    rf"|(?:Photo|Foto|Bild|Image|Crédit photo|Crédit|Credit|Fotografía|Zdjęcie|Фото)\s*:\s*[^.!?]{{2,80}})\s*$",
)
_CONTRIBUTED = re.compile(
    r"^[^.!?]{3,160}\b(?:contributed(?: (?:reporting|to this (?:report|story|article)))?"
    r"|ha(?:n)? contribuido|ont contribué|hanno contribuito|haben mitgearbeitet)\.?$"
    r"|^(?:Mitarbeit|Mit Material von|Additional reporting by|Reporting by|Editing by)\b[^.!?]{2,160}\.?$",
)
_BYLINE = re.compile(
    r"^(?:By|Von|Par|Por|Di|Door|Autor(?:in)?:|Author:)\s+[A-ZÀ-ÖØ-ÞĀ-Ž][\w.'’-]+(?:\s+[A-ZÀ-ÖØ-ÞĀ-Ž][\w.'’-]+){0,3}"
    r"(?:\s*(?:,|and|und|et|y|e|&)\s*[A-ZÀ-ÖØ-ÞĀ-Ž][\w.'’-]+(?:\s+[A-ZÀ-ÖØ-ÞĀ-Ž][\w.'’-]+){0,3})*"
    r"(?:\s*[,|·•]\s*[^.!?]{0,60})?$"
)
_READING_TIME = re.compile(
    r"^(?:(?:Lesedauer|Lesezeit|Reading time|Read time|Temps de lecture|Tiempo de lectura|"
    r"Tempo di lettura|Leestijd|Czas czytania)\s*:?\s*(?:ca\.\s*)?\d+\s*(?:Min(?:ute|uten|utes)?|min)\.?"
    r"|\d+\s*(?:min(?:ute)?s?|Min\.?|Minuten)\s*(?:read|Lesezeit|Lesedauer|de lecture|de lectura|di lettura))$",
    re.IGNORECASE,
)
_RELATED_HEADING = re.compile(
    r"^(?:Read (?:more|also|next)|More (?:news|stories|on this(?: story)?|from \S+)|Related(?: (?:articles?|stories|news|content|coverage))?|"
    r"See also|Recommended|Mehr zum Thema|Lesen Sie (?:auch|mehr)|Auch interessant|Weitere (?:Artikel|Nachrichten|Meldungen|Themen)|"
    r"Das könnte Sie auch interessieren|À lire aussi|Lire aussi|Sur le même sujet|Voir aussi|Leer más|Lea también|Lee también|"
    r"Te puede interesar|Noticias relacionadas|Leggi anche|Potrebbe interessarti|Lees ook|Meer nieuws|Leia também|"
    r"Leia mais|Czytaj (?:też|także|więcej)|Читайте также)\b[^.!?]{0,80}?:?$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^[-–—•*·»►▸]\s+\S")
_SUBSCRIBE = re.compile(
    r"^(?:Sign up|Subscribe|Get (?:our|the) [\w ]{0,30}newsletter|Click here to|Follow us on|"
    r"Abonnieren Sie|Newsletter abonnieren|Jetzt (?:[\w ]{0,30})?abonnieren|Melden Sie sich (?:jetzt )?für|Folgen Sie uns|"
    r"Abonnez-vous|Inscrivez-vous|Suscríbete|Suscríbase|Iscriviti|Abbonati|Schrijf je in|Assine|Zapisz się|Подпишитесь)\b"
    r"|\b(?:we use cookies|this (?:site|website) uses cookies|(?:diese|unsere) (?:Seite|Website|Webseite) (?:verwendet|nutzt) Cookies"
    r"|ce site utilise des cookies|este sitio(?: web)? utiliza cookies|questo sito utilizza (?:i )?cookie)\b",
    re.IGNORECASE,
)
_TEASER = re.compile(r"(?<![.!?\"'”“»])(?:\s?\.\.\.|\s?…)$")
_TERMINAL = re.compile(r"[.!?:;…\"'”“»)]$")

#: Caption-like lines are short; longer paragraphs with a credit tail are captions too, up to this.
MAX_CAPTION_WORDS = 60
MAX_SHORT_LINE_WORDS = 12
MAX_SUBSCRIBE_WORDS = 30
#: The rules for whole short lines (bylines, headings, subscription lines) read only paragraphs
#: up to this many characters: a word count alone lets a megabyte without a space through.
MAX_SHORT_LINE_CHARS = 300
MAX_SUBSCRIBE_CHARS = 600
#: A credit tail ("Name Surname/AFP – Getty Images") is found within this many last characters.
TAIL_CHARS = 200


def _words(text: str) -> int:
    return len(text.split())


#: A teaser is a lead: only the first paragraphs can be one ("The list goes on..." further
#: down is the writer's ellipsis).
TEASER_WITHIN = 3


def _teaser(paragraph: str) -> bool:
    """A paragraph cut off mid-sentence by an ellipsis: "..., aiming to strengthen..."."""
    if not _TEASER.search(paragraph):
        return False
    body = paragraph.rstrip(". …")
    last = body.split()[-1] if body.split() else ""
    return last[:1].islower() and not any(q in paragraph[-30:] for q in "\"“”„«»")


def _credit_tail(paragraph: str) -> int | None:
    """Where a credit ending the paragraph starts, or None (see `_CREDIT_TAIL`)."""
    offset = max(0, len(paragraph) - TAIL_CHARS)
    tail = _CREDIT_TAIL.search(paragraph, offset)
    return None if tail is None else tail.start()


def _kind(paragraph: str, position: int) -> Kind | None:
    """What a paragraph is on its own, where that is clear; None: body text (as far as we know)."""
    words = _words(paragraph)
    short = words <= MAX_SHORT_LINE_WORDS and len(paragraph) <= MAX_SHORT_LINE_CHARS
    if _CONTRIBUTED.match(paragraph):
        return Kind.CREDIT
    if words <= MAX_CAPTION_WORDS and (start := _credit_tail(paragraph)) is not None:
        return Kind.CREDIT if start == 0 else Kind.CAPTION
    if short and (_BYLINE.match(paragraph) or _READING_TIME.match(paragraph)):
        return Kind.BYLINE
    if words <= MAX_SUBSCRIBE_WORDS and len(paragraph) <= MAX_SUBSCRIBE_CHARS and _SUBSCRIBE.search(paragraph):
        return Kind.SUBSCRIBE
    if short and _RELATED_HEADING.match(paragraph):
        return Kind.RELATED_LINKS
    if position < TEASER_WITHIN and _teaser(paragraph):
        return Kind.TEASER
    return None


def _short_line(paragraph: str) -> bool:
    return (len(paragraph) <= MAX_SHORT_LINE_CHARS and _words(paragraph) <= MAX_SHORT_LINE_WORDS
            and not _TERMINAL.search(paragraph))


def classify(paragraphs: Sequence[str]) -> list[Kind | None]:
    """The kind of each paragraph (None: body). `paragraphs` are normalized, in order."""
    kinds: list[Kind | None] = []
    seen: set[str] = set()
    for position, paragraph in enumerate(paragraphs):
        kinds.append(Kind.REPEATED if paragraph in seen else _kind(paragraph, position))
        seen.add(paragraph)
    # The bullets under a "Read more:" heading are its links.
    for i, kind in enumerate(kinds):
        if kind is Kind.RELATED_LINKS and (i == 0 or kinds[i - 1] is not Kind.RELATED_LINKS):
            j = i + 1
            while j < len(paragraphs) and kinds[j] is None and _BULLET.match(paragraphs[j]):
                kinds[j] = Kind.RELATED_LINKS
                j += 1
    # A short, unpunctuated line beside other dirt is its caption; elsewhere it may be a
    # subheading, and stays.
    dirt = {Kind.CAPTION, Kind.CREDIT, Kind.TEASER, Kind.REPEATED}
    for i, paragraph in enumerate(paragraphs):
        if kinds[i] is None and _short_line(paragraph) and not _BULLET.match(paragraph):
            neighbours = kinds[max(0, i - 1) : i] + kinds[i + 1 : i + 2]
            if any(k in dirt for k in neighbours):
                kinds[i] = Kind.CAPTION
    return kinds
