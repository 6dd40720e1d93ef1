"""Page dirt inside an article's text: found, named and kept aside, never silently deleted.

trafilatura removes page chrome from HTML, but captions, credits and link boxes inside the
article body survive it, and plain-text inputs (text files, JSONL bodies, scraped pages) get
no cleaning at all. What is not the article must not be counted, segmented or translated as if
it were, so each paragraph that is recognisably not body text leaves the text for
`Article.boilerplate` with its kind.

Dirt is found by what it is, in any language and script, never by one site's phrases:
- forms: a credit ("Foto: Name", "Name/AFP – Getty Images", "منبع: ایسنا"), a byline
  ("Autor: PAP", "By Jane Doe", "(Name Surname)"), a dateline (numbers and calendar words
  only, `lines.is_dateline`), a licence or copyright line, a share bar, an advertisement
  marker, a "read more" heading and the list under it, a lead cut off by an ellipsis; the
  role words come from `markers` (many languages), the calendar words from CLDR;
- position and neighbours, in plain text: body is sentences, so short lines that are not
  sentences are dirt where they stand outside the article (before its first sentence, after
  its last) or in runs (menus, lists of headlines), unless they look like its headline;
- repetition: a later copy of a line on the same page (`repeated`), unless the page repeats it
  as structure (an interview's speaker tags, a plan's or recipe's recurring line); and a line
  many pages of the same site carry (`site_repeated`, from `site_lines`).

Conservative by construction: setting body aside is worse than keeping dirt. A rule that is not
sure (position, runs) does not run on text extracted from HTML (trafilatura already removed the
page's chrome there, and what it returned is body unless a form says otherwise), and the
article's headline is never set aside for its shape. Every rule reads a paragraph's bounded
head or tail (`lines`), so the cost is linear in the text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Collection, Sequence
from enum import StrEnum

from babelfeed.language.scripts import SENTENCE_ENDS, WIDE_SENTENCE_ENDS
from babelfeed.normalize import lines, markers, site_lines
from babelfeed.normalize.lines import Shape
from babelfeed.normalize.markers import Role


class Kind(StrEnum):
    CAPTION = "caption"  # an image caption (often ending in its credit)
    CREDIT = "credit"  # a photo or source credit alone, or "X and Y contributed."
    BYLINE = "byline"  # "By Jane Doe", "Von Max Muster", "Autor: ...", reading time
    TEASER = "teaser"  # a lead cut off with an ellipsis
    REPEATED = "repeated"  # a later copy of a line of the same page
    RELATED_LINKS = "related_links"  # "Read more:" and the headlines listed under it; lists of headlines
    SUBSCRIBE = "subscribe"  # newsletter, subscription, app, log-in, follow-us and cookie lines
    MENU = "menu"  # navigation: section names, breadcrumbs, tag lists, skip links
    DATELINE = "dateline"  # a line that is only a date or time (with a section or place)
    SHARE = "share"  # share bars, comment sections and counters
    FOOTER = "footer"  # copyright, licence, registration and publisher lines
    AD = "ad"  # advertisement markers
    WIDGET = "widget"  # interface text without words: counters, player controls, lone symbols
    SITE_REPEATED = "site_repeated"  # a line many pages of the same site carry


_AGENCIES = (
    r"Getty Images|AFP|AP|AP Photo|Reuters|dpa|EPA|EPA-EFE|EFE|ANSA|Ansa|ANP|Keystone|Xinhua|Bloomberg|"
    r"Shutterstock|imago(?: images)?|picture[- ]alliance|IMAGO|Anadolu(?: Agency)?|NurPhoto|SOPA Images|"
    r"Sipa|Alamy|Agencia|Europa Press|TASS|ТАСС|РИА Новости|PAP|ČTK|CTK|TT|NTB|Ritzau|Lehtikuva|APA|"
    r"Belga|Lusa|AA|IRNA|ISNA|WAFA|SPA|واس|KCNA|Yonhap|Kyodo|Jiji|CNA|UPI|IANS|PTI|ANI|Antara|Bernama|"
    r"Photo|Foto|Fot\.|Image|photo|foto|fot\.|image"
)
#: A credit at the end of a paragraph, after its last slash: "Name/AFP – Getty Images", "/fot. PAP".
_AGENCY_END = re.compile(rf"\s*(?:{_AGENCIES})(?:\s*[-–—|/]\s*(?:{_AGENCIES}))?\s*$")
#: ... in its last brackets: "(AP Photo/Name)", "(واس)", "(资料图)".
_PAREN_END = re.compile(
    rf"[(（](?:(?:AP|AFP|Reuters|dpa)\s+Photo[^)]*|(?:{_AGENCIES})|资料图|資料圖|资料照片|資料照片|資料写真)[)）]\s*$"
)
#: ... a photographer's mark in Chinese or Japanese: "中新社记者 张浩 摄".
_DENSE_PHOTO_END = re.compile(r"(?<=\s)\S{1,12}\s?(?:摄|攝|供图|供圖|摄影|攝影|撮影)\s*$")
_CREDIT_ROLES = frozenset({Role.PHOTO, Role.SOURCE})
_CONTRIBUTED = re.compile(
    r"^[^.!?]{3,160}\b(?:contributed(?: (?:reporting|to this (?:report|story|article)))?"
    r"|ha(?:n)? contribuido|ont contribué|hanno contribuito|haben mitgearbeitet)\.?$"
    r"|^(?:Mitarbeit|Mit Material von|Additional reporting by|Reporting by|Editing by)\b[^.!?]{2,160}\.?$",
)
_BYLINE = re.compile(
    r"^(?:[Bb]y|Von|Par|Por|Di|Door|Av|Af|Autor(?:in)?:|Author:)\s+[A-ZÀ-ÖØ-ÞĀ-Ž][\w.'’-]+(?:\s+[A-ZÀ-ÖØ-ÞĀ-Ž][\w.'’-]+){0,3}"
    r"(?:\s*(?:,|and|und|et|y|e|en|og|och|&)\s*[A-ZÀ-ÖØ-ÞĀ-Ž][\w.'’-]+(?:\s+[A-ZÀ-ÖØ-ÞĀ-Ž][\w.'’-]+){0,3})*"
    r"(?:\s*[,|·•–—-]\s*[^.!?]{0,60})?$"
)
_READING_TIME = re.compile(
    r"^(?:(?:Lesedauer|Lesezeit|Reading time|Read time|Temps de lecture|Tiempo de lectura|"
    r"Tempo di lettura|Leestijd|Czas czytania)\s*:?\s*(?:ca\.\s*)?\d+\s*(?:Min(?:ute|uten|utes)?|min)\.?"
    r"|\d+\s*(?:min(?:ute)?s?|Min\.?|Minuten|хв|мин|dk|phút|분|分)\.?\s*(?:read|Lesezeit|Lesedauer|de lecture|"
    r"de lectura|di lettura|leestijd|читати|чтения|okuma|đọc|읽기)?)$",
    re.IGNORECASE,
)
_SUBSCRIBE = re.compile(
    r"\b(?:we use cookies|this (?:site|website) uses cookies|(?:diese|unsere) (?:Seite|Website|Webseite) (?:verwendet|nutzt) Cookies"
    r"|ce site utilise des cookies|este sitio(?: web)? utiliza cookies|questo sito utilizza (?:i )?cookie)\b",
    re.IGNORECASE,
)
_TEASER = re.compile(r"(?<![.!?\"'”“»])(?:\s?\.\.\.|\s?…)$")

#: Caption-like lines are short; longer paragraphs with a credit tail are captions too, up to this.
MAX_CAPTION_WORDS = 60
#: ... and most are shorter than this: a longer paragraph of several sentences ending in a
#: credit is a story's paragraph (a German dpa caption has two sentences and some 25 words).
STORY_WORDS = 40
#: In HTML, only a paragraph this short that ends in a credit goes aside ("Foto: Name/dpa", "Name
#: / AFP"): a longer one is a caption, which trafilatura keeps with the picture it describes; in
#: Chinese and Japanese, where the credit's start cannot be told by spaces, it is all the caption.
HTML_CREDIT_WORDS = 12
MAX_SUBSCRIBE_WORDS = 30
MAX_SUBSCRIBE_CHARS = 600
#: A cookie notice is at most this long (words): "cookie" and the site speaking of itself or
#: asking the reader's consent, in any language ("Questo sito ... si avvale di cookie", "На этой
#: странице используются файлы cookies", "you agree"). A story about cookies does neither.
COOKIE_WORDS = 80
_COOKIE = re.compile(r"[Cc]ookie|COOKIE|[Кк]уки|쿠키|クッキー")
_COOKIE_CONTEXT = re.compile(
    r"\b(?:this|our) (?:site|website|page)|\byou (?:agree|accept|consent)|questo sito|acconsent|"
    r"(?:este|nuestro) sitio|aceptas|ce site|notre site|vous acceptez|(?:diese|unsere)[rn]? (?:seite|website|webseite)|"
    r"stimmen sie|(?:deze|onze) (?:site|website)|ga je akkoord|t[aeę]j? stron|naszej stron|zgod[ęy]|"
    r"t[ye]to stránk|souhlas|этот сайт|этой страниц|нашем сайте|соглаша|цей сайт|цьому сайті|погоджу|"
    r"bu site|sitemiz|situs ini|trang web này|این سایت|هذا الموقع|האתר הזה|이 사이트|当サイト|本网站|本站",
    re.IGNORECASE,
)
#: Substrings every `_COOKIE` match holds: `in` finds them at memory speed, so the regexes run
#: only on the few paragraphs that have one (most paragraphs are long and have none).
_COOKIE_HINTS = ("ookie", "OOKIE", "уки", "쿠키", "クッキー")


def _cookie_notice(text: str) -> bool:
    return (any(hint in text for hint in _COOKIE_HINTS) and _COOKIE.search(text) is not None
            and _COOKIE_CONTEXT.search(text) is not None)


#: A Korean byline in brackets: "[김태성 기자]" (a name and the role; "[기자]" alone is a speaker tag).
_BRACKET_BYLINE = re.compile(r"^[\[【〔]\S{2,5}\s?(?:기자|특파원|記者|记者)[\]】〕]$")
#: A marker makes a line dirt only in lines this short (words).
MARKER_LINE_WORDS = 8
#: A credit after a label ("Foto: Michael Kappeler/dpa") has at most this many words: more is a
#: headline after a label ("VIDEO + PHOTOS: US Police Arrest Washington State Mall Shooting Suspect").
CREDIT_WORDS = 6
#: Initials in a credit's name ("Ảnh: T.K", "Foto: J.S. Bach"): their dots end no sentence.
_INITIALS = re.compile(r"\b[^\W\d_]{1,2}\.(?=[^\W\d_]|\s|$)")
#: A credit tail ("Name Surname/AFP – Getty Images") is found within this many last characters.
TAIL_CHARS = 200
#: A teaser is a lead: only the first paragraphs can be one ("The list goes on..." further
#: down is the writer's ellipsis).
TEASER_WITHIN = 3
#: ... and a lead is long: a short line ending in an ellipsis is the writer's ("Jobs are going...").
TEASER_WORDS = 20
#: A teaser of a paragraph repeats at least its first this many characters.
TEASER_KEY = 20
#: Runs of this many short lines are lists (menus, headlines), not the article; one more within
#: the article (between its first and last sentences), where a run introduced by a colon is its own list.
RUN = 3
#: A heading of other articles has at most this many words, and stands after at least
#: ONWARD_AFTER paragraphs of the article's running text.
ONWARD_HEADING_WORDS = 6
ONWARD_AFTER = 2
#: Running text below such a heading that shares this many words with the article before it is
#: the article going on (after a box of links in its middle), not another article's teaser.
ONWARD_SHARED = 3
#: Wrapped text: lines of at least WRAP_CHARS characters whose lengths are within WRAP_EVEN of
#: the longest (a fixed width wraps every line but the paragraph's last near it).
WRAP_CHARS = 15
WRAP_EVEN = 0.7
#: The article's vocabulary is taken from its first this many paragraphs of running text.
VOCABULARY_PARAGRAPHS = 8
#: A line with at least LIKE_UNITS content words, at least LIKE_SHARE of them in that vocabulary,
#: is like the article (its headline, standfirst, a subheading).
LIKE_UNITS = 3
LIKE_SHARE = 1 / 3
#: The kinds a short line beside them is a caption of.
_CAPTIONED = frozenset({"caption", "credit", "teaser"})


def _teaser(s: Shape) -> bool:
    """A paragraph cut off mid-sentence by an ellipsis: "..., aiming to strengthen...": its last
    word is lowercase (a capitalised one may end a title). Scripts without case have no such
    sign: there only a cut copy of another paragraph is a teaser (`_teasers`)."""
    if not s.ellipsis or not _TEASER.search(s.text[-8:]):
        return False
    body = s.text.rstrip(". …")
    last = body[body.rfind(" ") + 1 :] if body else ""
    if not last or last[-1:] in "\"“”„«»'" or any(q in s.text[-30:] for q in "\"“”„«»"):
        return False
    return last[:1].islower()


def _credit_tail(s: Shape) -> int | None:
    """Where a credit ending the paragraph starts, or None: "Name/AFP – Getty Images" (from up to
    three words before the slash), "(AP Photo/Name)", "(AFP)", "Foto: Name/dpa" or "Фото: Name"
    (a photo or source marker, a colon, and no sentence after it), "记者 张浩 摄". Body text that
    names an agency ends with a full stop ("told Reuters."), so a paragraph that ends like a
    sentence has no credit tail. Only the last TAIL_CHARS characters are read, by anchored matches."""
    text = s.text
    last = text[-1]
    if s.sentence and last not in ")）":
        return None
    floor = max(0, s.chars - TAIL_CHARS)
    if last in ")）":
        paren = max(text.rfind("(", floor), text.rfind("（", floor))
        if paren >= 0 and (paren == 0 or text[paren - 1] == " ") and _PAREN_END.match(text, paren):
            return _words_back(text, paren, 0)
    slash = text.rfind("/", floor)
    if slash >= 0 and _AGENCY_END.match(text, slash + 1):
        token = text.rfind(" ", 0, slash) + 1
        return _words_back(text, token, 3)
    colon = max(text.rfind(":", floor), text.rfind("：", floor))
    if (colon > 0 and 2 <= len(text) - colon - 1 <= 80 and text.count(" ", colon + 2) < CREDIT_WORDS
            and not any(c in _INITIALS.sub("", text[colon + 1 :]) for c in ".!?:")):
        word_start = max(text.rfind(" ", 0, colon - 1), text.rfind("(", 0, colon - 1), text.rfind("/", 0, colon - 1)) + 1
        word = text[word_start:colon].strip().strip(markers.STRIP).casefold()
        if markers.PHRASES.get(word) in _CREDIT_ROLES:
            return word_start
    if s.dense and last in "摄攝影图圖":
        found = _DENSE_PHOTO_END.search(text, max(0, s.chars - 20))
        if found:
            return _words_back(text, found.start(), 1)
    return None


#: Where a word ends in text without spaces: after a sentence end ("...安全。本报记者 肖金雄 摄").
_DENSE_STOPS = tuple(WIDE_SENTENCE_ENDS)
#: A credit does not reach back past a sentence end of any script ("... found alive. Photo: Ana Ruiz/AP").
_WORD_STOPS = frozenset(SENTENCE_ENDS + WIDE_SENTENCE_ENDS)


def _words_back(text: str, at: int, words: int) -> int:
    """Where the credit starting at `at` begins with up to `words` words before it, never before a
    sentence end (Chinese runs a credit on after the last sentence without a space)."""
    for _ in range(words):
        if at <= 0:
            return 0
        if text[:at].rstrip()[-1:] in _WORD_STOPS:  # the previous sentence's last word is not the credit's
            return at
        at = max(text.rfind(" ", 0, at - 1), *(text.rfind(end, 0, at) for end in _DENSE_STOPS)) + 1
    return at


def _marked(s: Shape) -> Kind | None:
    """A short line that names its role: a label ("Foto: ...", "Источник", "Autor: ..."), a
    share bar, an advertisement, a subscription prompt, a menu entry. The marker must be what
    the line is about: a label followed by a separator, a name or nothing; a line of markers
    and numbers only; or a phrase of two words or more ("read more", "skip to content") at one
    end of the line. "Photo of the day" or "The search continues" stay."""
    if not s.found or (s.sentence and s.size > 4):
        return None
    found = lines.label(s)
    if found is not None:
        role, rest, separated = found
        # Names after a role word are set off by a space in Chinese too ("记者 都镇强 报道"):
        # "让中外记者亲眼所" runs on as a sentence.
        names = (" " in s.text and lines.dense_names(rest)) if s.dense else lines.name_like(rest)
        plain = separated or not rest or names
        if role in (Role.PHOTO, Role.SOURCE) and plain:
            return Kind.CREDIT
        if role in (Role.AUTHOR, Role.EDITOR) and plain:
            return Kind.BYLINE
    first_role, first_at, _ = s.found[0]
    if s.size > MARKER_LINE_WORDS:
        if not s.dense and s.size <= MAX_SUBSCRIBE_WORDS and first_role is Role.SUBSCRIBE and first_at == 0:
            return Kind.SUBSCRIBE  # "Newsletter abonnieren und nichts mehr verpassen ..."
        return None
    if s.dense:
        # Chinese and Japanese markers are found inside words ("ホームラン" holds "ホーム", "市場シェア"
        # holds "シェア"): the marker must be the line, give or take two characters ("関連記事").
        letters = len(_NOT_LETTERS.sub("", s.text))
        edges = {role for role, start, end in s.found if start <= 1 and letters <= end - start + 2}
    else:
        covered = sum(end - start for _, start, end in s.found)
        others = sum(1 for w in s.words if not w[0].isdigit()) - covered
        last = len(s.words)
        edges = {role for role, start, end in s.found
                 if others <= 0 or (end - start >= 2 and (start == 0 or end == last))
                 or (role is Role.SUBSCRIBE and start == 0)}
    for role, kind in _MARKED_KINDS:
        if role in edges:
            return kind
    return None


_MARKED_KINDS = ((Role.COPYRIGHT, Kind.FOOTER), (Role.AD, Kind.AD), (Role.SHARE, Kind.SHARE),
                 (Role.SUBSCRIBE, Kind.SUBSCRIBE), (Role.RELATED, Kind.RELATED_LINKS),
                 (Role.NAVIGATION, Kind.MENU), (Role.PHOTO, Kind.CREDIT), (Role.SOURCE, Kind.CREDIT))
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_SECTION_BREAK = re.compile(r"^(?:[*#~=_-]\s?){3,}$")  # "***", "* * *", "---": the article's own
_LINK_ARROW = re.compile(r"\s[»›→]$|>>$|→$")
_RECORD_ROLES = frozenset({Role.AUTHOR, Role.SOURCE, Role.EDITOR, Role.PHOTO})
_COPYRIGHT_START = ("©", "(c)", "copyright", "ⓒ")
_COPYRIGHT_FIRST = "©(cCⓒ"


def _copyright(s: Shape) -> bool:
    """A licence or copyright line: "© 2024 Name", "Copyright 2016 NPR. ...", "... All rights
    reserved.", "版权所有", an ICP registration."""
    if s.size > 50:
        return False
    if s.text[0] in _COPYRIGHT_FIRST and s.text[:9].casefold().startswith(_COPYRIGHT_START) or "©" in s.text[:3]:
        return True
    return s.size <= 25 and bool(s.found) and any(role is Role.COPYRIGHT and (s.dense or end - start >= 2)
                                                  for role, start, end in s.found)


#: First words of a "By Jane Doe" byline (the regex is tried only after one of them).
_BYLINE_WORDS = frozenset({"by", "von", "par", "por", "di", "door", "av", "af", "autor", "autorin", "author"})
#: Words of the rare forms that are whole sentences: "X contributed.", cookie notices.
_RARE_SIGN = re.compile("ontribu|itgearbeitet|Mitarbeit|Mit Material|eporting by|Editing by|ookie")


def _read_more(s: Shape) -> bool:
    """A "read more" label and the headline it links to, on one line ("READ MORE: Two
    diagnosed in Beijing", "Related: The 15 weirdest galaxies", "Читайте также: ..."). It is
    not a sentence (`_form` asks first), so it is a link, not the writer's "Related: ..."."""
    found = lines.label(s)
    return found is not None and found[0] is Role.RELATED and found[2] and bool(found[1])


def _form(s: Shape, position: int, last: bool = False, html: bool = False) -> Kind | None:
    """What a paragraph is on its own, by its form; None: body text (as far as forms tell). In
    `html` (trafilatura's extract), lines of dates, numbers or symbols and a lead's ellipsis are
    the article's: an event's dates, a table's figures, a writer's pause."""
    text = s.text
    if s.table:
        return None  # a table's row is the article's, whatever it holds
    if s.size <= COOKIE_WORDS and _cookie_notice(text):
        return Kind.SUBSCRIBE  # a cookie notice: "Используя этот сайт, вы соглашаетесь ... cookie"
    if (s.sentence and s.size > MAX_SUBSCRIBE_WORDS and text[-1] not in ")）" and text[0] not in _COPYRIGHT_FIRST
            and (position >= TEASER_WITHIN or not s.ellipsis)):
        return None  # a long sentence: no form below fits it (the common case, tested first)
    if s.chars <= 40 and _BRACKET_BYLINE.match(text):
        return Kind.BYLINE
    if s.size <= MAX_SUBSCRIBE_WORDS and _RARE_SIGN.search(text, 0, MAX_SUBSCRIBE_CHARS) is not None:
        if s.chars <= 400 and _CONTRIBUTED.match(text):  # "Jane Doe contributed."
            return Kind.CREDIT
        if _SUBSCRIBE.search(text, 0, MAX_SUBSCRIBE_CHARS):  # a cookie notice
            return Kind.SUBSCRIBE
    if s.size <= (HTML_CREDIT_WORDS if html else MAX_CAPTION_WORDS) and (start := _credit_tail(s)) is not None:
        if start == 0:
            return Kind.CREDIT
        # A paragraph of a story's length, two sentences or more, that names its source or
        # photographer ("...。据了解，...安全。本报记者 肖金雄 摄") is the story's: it stays.
        story = s.size > STORY_WORDS and lines.sentence_ends(text, start) >= 2
        return None if story else Kind.CAPTION
    if _copyright(s):
        return Kind.FOOTER
    if position < TEASER_WITHIN and s.ellipsis and s.size >= TEASER_WORDS and not last and not html and _teaser(s):
        return Kind.TEASER
    if s.prose or s.size > lines.READ_WORDS:
        return None
    if s.found and _read_more(s):
        return Kind.RELATED_LINKS  # "Baca juga: BPBD Cianjur tuntaskan penanganan banjir di 2 kecamatan"
    if lines.labelled_pairs(s) >= 2 and any(role in _RECORD_ROLES for role, _, _ in s.found):
        return Kind.BYLINE  # "Рубрика : Политика , Дата : ... , Автор : ...", "来源:... 作者:..."
    if s.size > lines.SHORT_WORDS:
        return None
    if s.digit:
        if _READING_TIME.match(text):
            return Kind.BYLINE
        if not html and lines.is_dateline(s):
            return Kind.DATELINE
    if s.words and s.words[0] in _BYLINE_WORDS and _BYLINE.match(text):  # "Door ANP - 24-1-2017, 15:13"
        return Kind.BYLINE
    if s.chars <= 20 and s.size <= 4 and not html and not lines.has_letter(s) and not _SECTION_BREAK.match(text):
        return Kind.WIDGET  # "0", "1 / 1", "|", "1:20": a counter, a player's clock
    if not s.digit and lines.parenthesized(s):
        return Kind.BYLINE
    if s.short:
        if text[-1] in "»›→>" and _LINK_ARROW.search(text, len(text) - 4) and "«" not in text:
            return Kind.RELATED_LINKS  # "Read more »", "더 많은 것을 읽으십시오 »"
        if lines.separators(s) >= 2:
            return Kind.MENU  # "Home > News > World", "A | B | C"
    return _marked(s) if s.found else None


def _structure(prose_before: Sequence[int], where: list[int], html: bool) -> bool:
    """Whether a line the page carries several times is its structure, not a copy: an
    interview's speaker tag or recurring question, a plan's or recipe's recurring line. It is,
    when running text stands between two of its copies and the page has three or more of them
    (in HTML two: trafilatura does not repeat a headline, a scraped page often does).
    `prose_before[i]`: how many paragraphs of running text come before paragraph i."""
    if len(where) < (2 if html else 3):
        return False
    return any(prose_before[b] > prose_before[a + 1] for a, b in zip(where, where[1:], strict=False))


def _title_key(text: str) -> str:
    return " ".join(markers.tokens(text))


def classify(
    paragraphs: Sequence[str],
    *,
    title: str | None = None,
    html: bool = False,
    site_repeated: Callable[[Sequence[str]], Collection[int]] | None = None,
) -> list[Kind | None]:
    """The kind of each paragraph (None: body). `paragraphs` are normalized, in order.

    `title`: the article's title where it is known apart from the text (a line like it is its
    headline and stays). `html`: the text is trafilatura's extract of an HTML page (only rules
    that are sure run). `site_repeated`: given the paragraphs, the indexes of those the
    article's site carries on many pages (`site_lines.SiteLines.repeated`).
    """
    n = len(paragraphs)
    shapes = [lines.shape(p) for p in paragraphs]
    kinds: list[Kind | None] = [_form(s, i, i == n - 1, html) for i, s in enumerate(shapes)]

    # Repeats: a later copy of a line is a copy, unless the page repeats it as structure.
    seen: dict[str, list[int]] = {}
    for i, p in enumerate(paragraphs):
        seen.setdefault(p, []).append(i)
    structure: set[int] = set()
    prose_before = [0] * (n + 1)
    for i, s in enumerate(shapes):
        prose_before[i + 1] = prose_before[i] + s.prose
    for where in seen.values():
        if len(where) < 2:
            continue
        if _structure(prose_before, where, html):
            structure.update(where)
            continue
        first_kind = kinds[where[0]]
        for i in where[1:]:
            kinds[i] = first_kind or Kind.REPEATED

    if any(s.ellipsis for s in shapes):
        _teasers(shapes, kinds)

    # A "Read more" heading: the lines under it that are not running text are its links (but the
    # headline over the article's first sentence, under a box of links above the article).
    body_prose = [i for i in range(n) if kinds[i] is None and shapes[i].prose]
    first = body_prose[0] if body_prose else n
    reach = 0  # where the last box of other articles ended
    for i in range(n):
        if kinds[i] is Kind.RELATED_LINKS and (i == 0 or kinds[i - 1] is not Kind.RELATED_LINKS):
            j = i + 1
            bulleted = j < n and shapes[j].bullet
            while (j < n and kinds[j] is None and (shapes[j].bullet if bulleted or html else shapes[j].short)
                   and not (j == first - 1 and shapes[j].size >= LIKE_UNITS)):
                kinds[j] = Kind.RELATED_LINKS
                j += 1
            if not html and i >= reach:
                reach = _onward(shapes, kinds, i, structure, body_prose)

    # The headline: the line like the title, and (plain text) the lines before the first
    # sentence that are like the article. Never set aside for their shape.
    protected = structure | {i for i in range(n) if shapes[i].table or lines.tag(shapes[i])}
    if not html:
        protected |= _wrapped(shapes, kinds)
        protected.update(i for i in range(n) if kinds[i] is None and shapes[i].short and _unfinished(shapes[i]))
    key = _title_key(title) if title and paragraphs and title.strip() != paragraphs[0] else ""
    if key:
        protected.update(i for i in range(n) if kinds[i] is None and _title_key(paragraphs[i]) == key)
    prose = [i for i in range(n) if kinds[i] is None and shapes[i].prose]
    vocabulary: set[str] = set()
    for i in prose[:VOCABULARY_PARAGRAPHS]:
        vocabulary |= lines.units(shapes[i])
    like = {i for i in range(n) if kinds[i] is None and not shapes[i].prose and shapes[i].size >= LIKE_UNITS
            and _like(shapes[i], vocabulary)} if prose else set()
    if prose and not html:
        protected |= _headlines(shapes, kinds, prose[0], like)

    # Plain text: a short, unpunctuated line above a caption or credit, or below a teaser, is a
    # caption; elsewhere it may be a headline or subheading (below a credit: the next section's),
    # and stays.
    # (trafilatura keeps captions with the text they illustrate: in HTML they stay.)
    before = list(kinds)
    for i, s in enumerate(shapes):
        if kinds[i] is None and i not in protected and s.short and not s.bullet and s.size <= 12:
            below = before[i + 1] if i + 1 < n else None
            above = before[i - 1] if i > 0 else None
            if not html and (below in _CAPTIONED or above is Kind.TEASER):
                kinds[i] = Kind.CAPTION

    if prose and not html:
        protected.update(i for i in like if i > prose[0])  # subheadings, a closing line
        _by_position(shapes, kinds, protected, prose[0], prose[-1])

    if site_repeated is not None:
        _site_repeated(paragraphs, shapes, kinds, site_repeated)
    return kinds


def _onward(
    shapes: Sequence[Shape], kinds: list[Kind | None], heading: int, keep: set[int], body_prose: Sequence[int],
) -> int:
    """Plain text: below a heading of other articles ("Outras notícias", "Σχετικά Νέα", "Meer uit
    Binnenland") that follows the article's running text, other articles' headlines and teasers
    run to the end of the page, and they are running text too. They go aside until a paragraph
    like the article before the heading (its own words: the article goes on after a box of
    links in its middle). `body_prose`: the paragraphs of running text, in order. Returns where
    it stopped, so that a page of many headings is read once."""
    s = shapes[heading]
    if not s.short or s.size > ONWARD_HEADING_WORDS or s.colon:
        return heading  # "Baca juga: <headline>" is one link, not a heading over a list
    before = bisect_left(body_prose, heading)
    if before < ONWARD_AFTER:
        return heading
    vocabulary: set[str] = set()
    for i in body_prose[: min(before, VOCABULARY_PARAGRAPHS)]:
        vocabulary |= lines.units(shapes[i])
    for j in range(heading + 1, len(shapes)):
        if kinds[j] is not None or j in keep or shapes[j].table:
            continue
        if shapes[j].prose and len(lines.units(shapes[j]) & vocabulary) >= ONWARD_SHARED:
            return j
        kinds[j] = Kind.RELATED_LINKS
    return len(shapes)


#: A line ending in a comma, or (Japanese) in a particle, stops in the middle of a sentence.
_UNFINISHED_ENDS = frozenset(",、，،")
_PARTICLES = frozenset("はがをにでへのやとも")


def _unfinished(s: Shape) -> bool:
    """A piece of a sentence broken over lines: it ends in a comma ("7천 8백여억 원 등 2조 3천
    9백억원 규모로,") or, in Japanese, in a particle ("台風18号は" broken as "号は", "空気の"); menus and
    headlines end in neither."""
    last = s.text[-1]
    return last in _UNFINISHED_ENDS or (s.dense and last in _PARTICLES)


def _wrapped(shapes: Sequence[Shape], kinds: list[Kind | None]) -> set[int]:
    """Plain text: the lines of a paragraph wrapped at a fixed width ("세종시의회는 지난 13일 폐회한
    제59회 정례회" / "본회의에서 시청 1조 6천여 억원, 교육청" / ... / "감소한 내년 예산안을 의결했다고
    밝혔습니다."): lines of about one length, none a sentence, ending in a line that closes the
    sentence. They are short lines, but one paragraph's, not a list: a list's lines differ in
    length, and a menu's are too short to be wrapped text."""
    out: set[int] = set()
    n = len(shapes)
    i = 0
    while i < n:
        j = i
        while j < n and kinds[j] is None and shapes[j].short and shapes[j].chars >= WRAP_CHARS:
            j += 1
        if j - i >= 1 and j < n and kinds[j] is None and shapes[j].sentence:
            widths = [shapes[k].chars for k in range(i, j)]
            inner = widths[1:] if len(widths) >= 3 else widths  # a first line may start mid-width
            if min(inner) >= WRAP_EVEN * max(widths) and shapes[j].chars <= max(widths) * 1.5:
                out.update(range(i, j))
        i = j + 1
    return out


def _teasers(shapes: Sequence[Shape], kinds: list[Kind | None]) -> None:
    """A paragraph cut off by an ellipsis whose words begin another paragraph is a teaser of it,
    wherever it stands: "The council approved on Tuesday a budget that..." above the paragraph."""
    stems: dict[int, str] = {}  # the cut paragraphs, by index
    for i, s in enumerate(shapes):
        if kinds[i] is None and s.ellipsis:
            stem = s.text.rstrip(" .…")
            if len(stem) >= TEASER_KEY:
                stems[i] = stem
    if not stems:
        return
    keys = {stem[:TEASER_KEY] for stem in stems.values()}  # only paragraphs that begin like a teaser are indexed
    starts: dict[str, list[int]] = {}
    for i, s in enumerate(shapes):
        if s.text[:TEASER_KEY] in keys and kinds[i] is None and s.chars > TEASER_KEY and not s.ellipsis:
            starts.setdefault(s.text[:TEASER_KEY], []).append(i)
    for i, stem in stems.items():
        for j in starts.get(stem[:TEASER_KEY], [])[:3]:
            if shapes[j].chars > len(stem) and shapes[j].text.startswith(stem):
                kinds[i] = Kind.TEASER
                break


def _like(s: Shape, vocabulary: set[str]) -> bool:
    """Whether a line shares most of its content with the article's first paragraphs: its
    headline, standfirst and subheadings do, menus and other articles' headlines do not."""
    units = lines.units(s)
    return len(units) >= LIKE_UNITS and len(units & vocabulary) >= LIKE_SHARE * len(units)


def _headlines(shapes: Sequence[Shape], kinds: list[Kind | None], first: int, like: set[int]) -> set[int]:
    """The lines before the article's first sentence that are its headline or standfirst: those
    like its body, the one just before the first sentence (of some words), and failing those the
    first line of some words."""
    head = [i for i in range(first) if kinds[i] is None]
    found = {i for i in head if i in like}
    worded = [i for i in head if shapes[i].size >= 4]
    if not found and worded:
        found.add(worded[0])
    if head and shapes[head[-1]].size >= 3:
        found.add(head[-1])
    return found


def _by_position(
    shapes: Sequence[Shape], kinds: list[Kind | None], protected: set[int], first: int, last: int,
) -> None:
    """Plain text: short lines outside the article's sentences, or in runs, are page chrome."""
    n = len(shapes)

    def open_line(i: int) -> bool:
        return kinds[i] is None and i not in protected and shapes[i].short

    # Runs of short lines anywhere: menus (few words) and lists of headlines.
    i = 0
    while i < n:
        if not open_line(i):
            i += 1
            continue
        j = i
        while j < n and (open_line(j) or (kinds[j] is not None and kinds[j] is not Kind.REPEATED and j > i)):
            j += 1
        run = [k for k in range(i, j) if kinds[k] is None]
        inside = any(first < k < last for k in run)
        if j <= first and shapes[i].dense:
            run = [k for k in run if shapes[k].size <= 3]
        if len(run) >= (RUN + 1 if inside else RUN) and not (inside and shapes[i - 1].colon):
            for k in run:
                kinds[k] = Kind.MENU if shapes[k].size <= 3 else Kind.RELATED_LINKS
        i = j
    # Before the first sentence and after the last: lone short lines too.
    for i in range(n):
        if not open_line(i) or first <= i <= last:
            continue
        s = shapes[i]
        if i < first and s.size <= 3:
            kinds[i] = Kind.MENU
        elif i > last and (s.size <= 3 or i > last + 1) and not (i == last + 1 == n - 1 and not s.found):
            kinds[i] = Kind.MENU if s.size <= 3 else Kind.RELATED_LINKS


def _site_repeated(
    paragraphs: Sequence[str], shapes: Sequence[Shape], kinds: list[Kind | None],
    site_repeated: Callable[[Sequence[str]], Collection[int]],
) -> None:
    """Lines the site carries on many pages go aside, as long as most of the body stays: a page
    whose body would mostly go is a copy of a story the site published twice, and stays whole."""
    candidates = [i for i in range(len(paragraphs)) if kinds[i] is None and shapes[i].chars <= site_lines.LINE_CHARS]
    if not candidates:
        return
    found = set(site_repeated([paragraphs[i] for i in candidates]))
    hits = [candidates[k] for k in found]
    if not hits:
        return
    body = sum(shapes[i].chars for i in range(len(paragraphs)) if kinds[i] is None)
    if sum(shapes[i].chars for i in hits) * 2 > body:
        return
    for i in hits:
        kinds[i] = Kind.SITE_REPEATED
