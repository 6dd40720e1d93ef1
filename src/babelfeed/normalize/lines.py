"""What one paragraph looks like, in any script: its size, how it ends, its markers, its dates.

Page dirt is told from body text by shape before words: body is sentences, and sentences end
with a sentence end of their script (". ! ?", "。！？", "।", "؟", "۔"...); menus, credits,
bylines, datelines and link lists are short lines that do not. So each paragraph is measured
once (`shape`), cheaply, and the rules in `boilerplate` read the measures.

Cost: a page of 60 KB has some 300 paragraphs and its dirt must be found in about 2 ms, so a
paragraph gets a few microseconds. Every measure reads a bounded head or tail of the paragraph
(HEAD_CHARS, TAIL_CHARS), never the whole of a long one; words are split and looked up only in
lines that can be dirt (no sentence of several words), and the markers of a line are scanned
once. A page costs time linear in its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

from babelfeed.language.scripts import (
    SENTENCE_CLOSERS,
    SENTENCE_ENDS,
    WIDE_SENTENCE_CLOSERS,
    WIDE_SENTENCE_ENDS,
    any_of,
)
from babelfeed.normalize import markers
from babelfeed.normalize.calendar_words import CALENDAR, CALENDAR_SHORT, NUMBER_SUFFIXES, RELATIVE
from babelfeed.normalize.markers import Role

#: Measures read at most this much of a paragraph's head and tail.
HEAD_CHARS = 240
TAIL_CHARS = 8
#: A paragraph of more words than this is never a short line, whatever its end.
SHORT_WORDS = 15
#: Lines of at most this many words are read word by word (markers, dates, labels).
READ_WORDS = 30
#: Whether a paragraph is written without spaces is seen in its first this many characters.
DENSE_PROBE = 64

#: A sentence ends with a sentence end of its script (`scripts.SENTENCE_ENDS`), then perhaps
#: closing quotes or brackets (French sets a space before its closing «»: ". »"), or a footnote's star.
_CLOSING = re.escape(SENTENCE_CLOSERS + WIDE_SENTENCE_CLOSERS + "*")
_SENTENCE_END = re.compile(rf"(?:[{SENTENCE_ENDS}]\s?|[{WIDE_SENTENCE_ENDS}])[{_CLOSING}]*$")
#: An ellipsis ("..." or "…"), then perhaps closing quotes or brackets.
_ELLIPSES = ("...", "…")
_ELLIPSIS_CLOSERS = "\"'”’»)]」』】"
#: The last characters an ellipsis end can have (a quick no for most paragraphs).
_ELLIPSIS_LAST = frozenset(".…" + _ELLIPSIS_CLOSERS)
#: Han, Kana and Thai are written without spaces between words.
_DENSE = any_of("thai", "kana", "han")
_THAI = any_of("thai")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
#: A time ("15:29", "09.33", "00h30", "11時05分") or a date ("28.01.2026", "2023-05-06", "3/10/2023",
#: "2023年03月05日", "12. 4. 2021").
_WHEN = re.compile(
    r"(?<!\d)(?:\d{1,2}\s?(?:[:.h時时시]\s?\d{2}(?!\d)|[時时시]\s?\d{1,2}\s?[分분]?)"
    r"|\d{1,4}\s?[./\-]\s?\d{1,2}\s?[./\-]\s?\d{2,4}(?!\d)|\d{2,4}\s?[年년]\s?\d{1,2}\s?[月월]"
    r"|\d{1,2}\s?[月월]\s?\d{1,2}\s?[日일])"
)
_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d{2}(?!\d)|(?<!\d)[١٢۱۲][٠-٩۰-۹]{3}(?!\d)")
#: A number, alone or with its date or unit suffixes: "18", "28.01.2026", "00h30min", "2023年", "3시간".
_NUMBERISH = re.compile(r"^[#№(]?[\d.,:/\-–h+]*\d[\d.,:/\-–]*[a-z]{0,3}\.?[)]?$|^\d+[年月日時时分秒号號년월일시분초]+")
#: Separators that menus and breadcrumbs are joined with (and a comma without a space, tags).
_SEPARATORS = re.compile(r"\s[|»›>/·•]\s|>>|(?<=[^\W\d_])\|(?=[^\W\d_])")
#: The characters a separator is made of: most lines have none, and a class is found quicker
#: than a pattern that begins with a space (which every word boundary starts).
_SEPARATOR_MARK = re.compile(r"[|»›>/·•]")
#: A comma between letters; the comma first, so the regex engine jumps from comma to comma.
_TAG_COMMAS = re.compile(r",(?<=[^\W\d_],)(?=[^\W\d_])")
_BULLETS = frozenset("-–—•*·»►▸▪◦●■□")
_PARENTHESIZED = re.compile(r"^[(（][^()（）]{2,60}[)）]$")
_INNER_STOPS = re.compile(r"[,.;:!?،؛。、，．！？।](?:\s|$)|[。、，]")
_NON_LETTERS = re.compile(r"[\W\d_]+")
_PAIR = re.compile(r"(?:^|[\s,|•·(（)）])[^\W\d_][^\s:：]{0,20}(?:\s[^\W\d_][^\s:：]{0,20})?\s?[:：]\s?\S")
_SUFFIXES = tuple(NUMBER_SUFFIXES)
#: Words that label a date as published or updated ("Published", "Mis à jour", "Опубликовано",
#: "انتشار", "입력"): a dateline's own words, not a section's or a place's. Not "date" itself:
#: "Date de convocation : 9 Septembre 2020" is a notice's line.
DATE_LABELS = frozenset("""
    published posted updated update last publié publiée mis à jour publicado publicada actualizado
    actualizada pubblicato aggiornato veröffentlicht aktualisiert gepubliceerd bijgewerkt laatst
    opublikowano zaktualizowano aktualizacja publikováno aktualizováno publicerad uppdaterad senast
    publiceret opdateret yayınlanma güncelleme yayın diterbitkan diperbarui dipublikasikan cập nhật
    опубликовано обновлено публикации оновлено опубліковано δημοσίευση ενημέρωση نشر النشر انتشار
    بروزرسانی פורסם עודכן प्रकाशित अपडेट 입력 수정 등록 게재 업데이트
""".split())


@dataclass(slots=True)
class Shape:
    """The measures of one paragraph that the dirt rules read."""

    text: str
    chars: int
    size: int  # words; in scripts without spaces, about one word per two characters (Thai: four)
    sentence: bool  # ends like a sentence (any script's full stop, question or exclamation mark)
    prose: bool  # reads as running text (see `shape`)
    short: bool  # a line, not a paragraph: at most SHORT_WORDS words and no sentence end
    dense: bool  # written without spaces (Chinese, Japanese, Thai)
    #: The line's words, casefolded, and its markers: only for lines of at most READ_WORDS words
    #: that are not prose (the lines that can be dirt); empty otherwise.
    words: list[str]
    #: markers.scan(words): (role, first word, end word); in dense lines markers.dense_roles:
    #: (role, first character, end character).
    found: list[tuple[Role, int, int]]
    colon: bool = False  # ends with a colon (a label, a heading over a list)
    ellipsis: bool = False  # ends with an ellipsis
    digit: bool = False  # has a digit (in the head)
    bullet: bool = False  # begins with a list bullet
    table: bool = False  # a table's row, as trafilatura writes it: "| cell | cell |"


def shape(text: str) -> Shape:
    """Measure one normalized paragraph (no newlines, single spaces, stripped).

    `prose`: a sentence of eight words or more, or a paragraph of more than 24 words with commas
    or full stops inside it (a text cut short, not a list joined by dashes; Thai, which writes no
    sentence ends, by length alone).

    Most of a page is prose, and prose is only measured (no words, no markers): its cost is a few
    string methods: an ellipsis end is read by stripping closing marks off the tail, a sentence
    end by one anchored regex over the last TAIL_CHARS characters."""
    chars = len(text)
    head = text[:HEAD_CHARS] if chars > HEAD_CHARS else text
    tail = text[-TAIL_CHARS:]
    spaced = head.count(" ") + 1
    dense = thai = 0
    if not head.isascii() and _DENSE.search(head, 0, DENSE_PROBE) is not None:  # a script without spaces
        dense = len(_DENSE.findall(head))
        thai = _THAI.search(head) is not None
    # Written without spaces when most of its letters are (digits, Latin names and punctuation
    # aside: "2026-03-04 02:33:11 来源:参考消息网 责任编辑:刘天霖" is Chinese).
    is_dense = dense > 0 and dense * 2 > len(_NON_LETTERS.sub("", head))
    if chars > HEAD_CHARS:  # estimated from the head
        spaced = spaced * chars // len(head)
        dense = dense * chars // len(head)
    per_word = 4 if thai else 2
    size = max(spaced, (dense + per_word // 2) // per_word) if is_dense else spaced + dense // per_word
    sentence = _SENTENCE_END.search(tail) is not None
    prose = (size >= 8 and sentence) or (size > 24 and (thai or _INNER_STOPS.search(head) is not None))
    last = tail[-1]
    first = head[0]
    ellipsis = last in _ELLIPSIS_LAST and tail.rstrip(_ELLIPSIS_CLOSERS).endswith(_ELLIPSES)
    if prose or size > READ_WORDS:
        return Shape(text, chars, size, sentence, prose, size <= SHORT_WORDS and not sentence, is_dense, [], [],
                     last in ":：", ellipsis, False, first in _BULLETS and chars > 1,
                     first == "|" and last == "|" and chars > 2)
    words = markers.tokens(head)
    return Shape(text, chars, size, sentence, prose, size <= SHORT_WORDS and not sentence, is_dense, words,
                 markers.dense_roles(head) if is_dense else markers.scan(words), last in ":：", ellipsis,
                 _DIGIT.search(head) is not None, first in _BULLETS and chars > 1,
                 first == "|" and last == "|" and chars > 2)


#: A sentence end inside a paragraph: its mark, closers, then a space or the end (Chinese and
#: Japanese ends need no space).
_INNER_END = re.compile(rf"[{SENTENCE_ENDS}][{_CLOSING}]*(?:\s|$)|[{WIDE_SENTENCE_ENDS}]")


def sentence_ends(text: str, end: int) -> int:
    """How many sentences end in `text[:end]`."""
    return len(_INNER_END.findall(text, 0, end))


def has_letter(s: Shape) -> bool:
    return _LETTER.search(s.text, 0, HEAD_CHARS) is not None


#: A dateline written without spaces has at most this many other letters: "2月27日晚,四川成都交警
#: 發布警情通報:" (a police notice of 27 February) is a headline.
DENSE_DATE_WORDS = 10


def is_dateline(s: Shape) -> bool:
    """A line that is a date or time and little else: "3 марта 2026, 15:29 • Новости дня",
    "Publié le jeudi 18 mai 2017 à 00h30min", "Jan 3, 2012, 02:00 PM IST", "31 min geleden",
    "• 2년 전", "发布时间:2023年03月05日 11:05". Numbers, CLDR's calendar and relative-time
    words and short function words may fill it; at most two other words (a section, a place)."""
    if not s.digit or s.sentence or s.size > 12 or not s.words:
        return False
    text = s.text
    if s.dense:  # a date and few words besides ("发布时间：2023年03月05日"), or a source's ("来源：...")
        when = _WHEN.search(text) is not None
        return when and s.chars <= 40 and (s.found or len(_NON_LETTERS.sub("", _WHEN.sub("", text))) <= DENSE_DATE_WORDS)
    calendar = other = 0
    relative = False
    words = s.words
    for k, word in enumerate(words):
        bare = word.rstrip(".")
        if bare in CALENDAR:
            calendar += 1
        elif bare in CALENDAR_SHORT:  # "févr", "okt": a month only beside a number
            if (k and _NUMBERISH.match(words[k - 1])) or (k + 1 < len(words) and _NUMBERISH.match(words[k + 1])):
                calendar += 1
            else:
                other += 1
        elif word in RELATIVE:
            relative = True
        elif word in DATE_LABELS:  # "Senast uppdaterad: 3 oktober 2021 00:00"
            continue
        elif len(word) <= 2 or word.endswith(_SUFFIXES) or _NUMBERISH.match(word):
            continue
        else:
            other += 1
        if other > 2:
            return False  # a headline with a number in it: no need to look for a date
    when = _WHEN.search(text) is not None
    if when and calendar and _YEAR.search(text) is not None:
        return other <= 2  # a full date and time beside a name: "Андрей Королев, 6 октября 2021, 12:11"
    if when or (calendar and (s.size <= 4 or _YEAR.search(text) is not None)):
        return other <= 1
    # "31 min geleden", "• 4 years ago", "2년 전": a number and relative-time words only
    return other == 0 and s.size <= 4 and relative


def label(s: Shape) -> tuple[Role, str, bool] | None:
    """A role named as a label at the line's head ("Foto: Name", "Источник", "Autor: PAP",
    "كتب - Name", "来源：新华网"): the role, the text after the label, and whether a separator
    (":", "-", "/", "|") follows the label. Only short lines; never a bracketed tag ("[기자]")."""
    if s.size > 12 or not s.found or s.text[0] in _TAG_OPENERS:
        return None
    role, at, end = min(s.found, key=lambda found: found[1])
    if s.dense:
        if at > 4:
            return None
        for _, start, stop in sorted(s.found, key=lambda found: found[1]):
            if start == end:  # markers one after the other are one label: "图片来源"
                end = stop
        rest = s.text[end:]
        return role, rest.lstrip(" :：-/|｜"), rest[:1] in ":：-/|｜"
    if at > 1:
        return None
    spans = list(islice(markers.TOKEN.finditer(s.text[:HEAD_CHARS].casefold()), end))  # up to the label's end
    after = s.text[spans[end - 1].end() :] if end == len(spans) else ""
    rest = after.lstrip(" :：-–—/|")
    return role, rest, after.lstrip()[:1] in (":", "：", "-", "–", "—", "/", "|")


#: A line that opens with one of these and closes with its pair is a tag of the text: a speaker
#: ("[기자]", "<앵커>", "【同期】"), a scene; the text's own structure.
_TAG_OPENERS = "[【〔<〈《"
_TAG = re.compile(r"^(?:\[[^\]]{1,40}\]|【[^】]{1,40}】|〔[^〕]{1,40}〕|<[^>]{1,40}>|〈[^〉]{1,40}〉|《[^》]{1,40}》)")


def tag(s: Shape) -> bool:
    """A speaker's or scene's tag, "[기자]", "<앵커>", "【同期】中新社记者 梁晓辉": structure, not chrome."""
    return s.size <= 8 and s.text[0] in _TAG_OPENERS and _TAG.match(s.text) is not None


def name_like(text: str) -> bool:
    """A few capitalised words, a handle or an agency: what follows "Foto" or "Autor" in a credit
    (lowercase words, as in "Photo of the day", make it a phrase). A script without capitals
    shows no name: there a label needs its separator ("كتب - ...", "출처: ...")."""
    words = text.split()
    return (0 < len(words) <= 4 and not any(w[:1].islower() for w in words)
            and any(w[:1].isupper() or w[:1] in "@©" for w in words))


#: What may follow the names in a Chinese byline or credit: "记者 都镇强 报道", "王小明 摄".
_DENSE_NAME_TAILS = frozenset({"报道", "報道", "摄", "攝", "摄影", "攝影", "撮影"})


def dense_names(text: str) -> bool:
    """Names after a Chinese or Japanese role word: one to four words of two to four characters
    ("都镇强 报道", "王辛莉 張蔚然"), what a byline or credit holds; a phrase has longer words."""
    words = text.split()
    if words and words[-1] in _DENSE_NAME_TAILS:
        words = words[:-1]
    return 0 < len(words) <= 4 and all(2 <= len(w) <= 4 and w.isalpha() for w in words)


def labelled_pairs(s: Shape) -> int:
    """How many "label: value" pairs a line holds ("Рубрика : Политика , Дата : 2011-07-12 ,
    Автор : ...", "来源:新华网 作者:熊争艳"): two or more make it a record, not a sentence."""
    head = s.text[:HEAD_CHARS]
    if head.count(":") + head.count("：") < 2:
        return 0
    return len(_PAIR.findall(head))


def separators(s: Shape) -> int:
    """Menu separators (" | ", " » ", " / ", "A,B") in the head."""
    head = s.text[:HEAD_CHARS]
    found = len(_SEPARATORS.findall(head)) if _SEPARATOR_MARK.search(head) is not None else 0
    return found + len(_TAG_COMMAS.findall(head)) if "," in head else found


def parenthesized(s: Shape) -> bool:
    """A name alone in round brackets, "(Matan Levi)": the byline of a short item. Not a remark
    in brackets ("(I know, radical statement, right?)"): no punctuation inside, and in a script
    with capitals, a name's."""
    if s.size > 5 or s.text[0] not in "(（" or _PARENTHESIZED.match(s.text) is None:
        return False
    inner = s.text[1:-1]
    return not any(c in inner for c in ",.!?;:") and (name_like(inner) or not any(c.isupper() or c.islower() for c in inner))


def units(s: Shape) -> set[str]:
    """The content of a line, for comparing lines: words of four letters or more, cut to five
    (so "поліції" and "поліція" meet); in scripts without spaces, pairs of characters."""
    head = s.text[:HEAD_CHARS]
    if s.dense:
        letters = _NON_LETTERS.sub("", head)
        return {letters[i : i + 2] for i in range(len(letters) - 1)}
    words = s.words or markers.tokens(head)
    return {w[:5] for w in words if len(w) >= 4 and not w[0].isdigit()}
