import unicodedata

from babelfeed.normalize import normalize_text


def test_unicode_is_nfc_and_mojibake_is_repaired():
    decomposed = unicodedata.normalize("NFD", "Präsident")
    assert normalize_text(decomposed) == "Präsident"
    assert normalize_text("Israelâ€™s defense") == "Israel’s defense"


def test_whitespace_is_collapsed_and_paragraphs_separated_by_one_blank_line():
    raw = "  First\tline   here. \r\n\r\n\n Second\u00a0line.\x07\n"
    assert normalize_text(raw) == "First line here.\n\nSecond line."


def test_typographic_quotes_are_kept():
    assert normalize_text("“bolster US forces”") == "“bolster US forces”"


def test_a_repeated_paragraph_is_kept_once():
    raw = "Teaser paragraph.\nBody one.\nTeaser paragraph.\nBody two."
    assert normalize_text(raw) == "Teaser paragraph.\n\nBody one.\n\nBody two."


# --- ftfy only where it can change the text (issue 20) ----------------------------------------

import ftfy  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from babelfeed.normalize import unicode as repair  # noqa: E402
from babelfeed.segment import sentences  # noqa: E402

CLEAN = [
    "The minister said on Tuesday that the plan “would not survive the winter” — and left.",
    "Der Präsident sagte am 1. Oktober, die Lage sei „ernst, aber beherrschbar“.",
    "Le gouvernement a présenté mardi un budget « prudent » pour l’année à venir.",
    "Переговоры в Москве завершились во вторник без соглашения, сообщили официальные лица.",
    "قال المتحدث إن المحادثات ستستأنف الأسبوع المقبل في جنيف.",
    "政府は今日の閣議で来年度の予算案を決定した。首相は、防衛を優先すると述べた。",
    "Thủ tướng cho biết chính phủ sẽ tăng chi tiêu cho y tế và giáo dục.",
]
BROKEN = [
    "Israelâ€™s defense",  # UTF-8 read as Windows-1252
    "first line is fine\nÃ  la carte, second line broken\nthird fine",  # a broken line start
    "cafÃ© au lait",
    "the price is 10 &euro; &amp; rising",  # HTML entities
    "a C1 control \x93quoted\x94 here",
    "the ﬁnal ﬂight",  # ligatures
    "line one\r\nline two\rline three\u2028four",
    unicodedata.normalize("NFD", "Präsident Müller"),  # not NFC
    "ÐŸÑ€Ð¸Ð²ÐµÑ‚ Ð¼Ð¸Ñ€",  # Russian through Windows-1252
    "вЂњquotedвЂќ",  # Windows-1251 mojibake
    "a\x1b[31m red\x1b[0m escape",
]


def test_the_fast_path_is_ftfy_s_answer_and_skips_ftfy_on_clean_text(monkeypatch):
    assert repair.fast_path_active(), "ftfy's mojibake expression could not be read: every text pays for fix_text"
    for text in CLEAN + BROKEN + ["\n".join(CLEAN + BROKEN)]:
        assert repair.fix(text) == ftfy.fix_text(text, config=repair.CONFIG), text
    calls = []
    real = ftfy.fix_text
    monkeypatch.setattr(ftfy, "fix_text", lambda text, config=None: calls.append(text) or real(text, config=config))
    for text in CLEAN:
        repair.fix(text)
    assert calls == []  # clean text in seven scripts never reaches ftfy
    for text in BROKEN:
        repair.fix(text)
    assert len(calls) == len(BROKEN)


# Characters ftfy's mojibake test and fixers look for, among ASCII and letters of other scripts.
_TRICKY = "ÃÂâ€™œžŸ¢£©®°±²³µ·»¼½¾×àáéèíóöüßÐÑØÙВГРСЂЊΒΓΞΟ≈√‚„†‡ˆ‰‹›–—…&#;\x80\x93\x9d\r\nﬁ Aa1.,"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list(_TRICKY)) | st.sampled_from(CLEAN + BROKEN), max_size=40).map("".join))
def test_the_fast_path_answers_as_ftfy_on_generated_text(text):
    assert repair.fix(text) == ftfy.fix_text(text, config=repair.CONFIG)


@pytest.mark.parametrize(("text", "kept"), [
    ("他说：“我们明天见！”然后离开了。大家都很高兴吗？是的。", "：！？"),
    ("２０２４年の予算はＮＨＫが報じた。", "２０２４ＮＨＫ"),
])
def test_fullwidth_punctuation_letters_and_digits_are_kept_as_written(text, kept):
    """Chinese and Japanese are written with fullwidth punctuation, and their house styles with
    fullwidth digits and letters: like typographic quotes, that is the original, and NFC (not
    NFKC) is the canonical form. ftfy's width fix turned them into ASCII in every stored CJK
    article, and `!` or `?` followed by text then no longer ended a sentence (the splitter needs
    a space after ASCII sentence ends, as Latin text has one)."""
    normalized = normalize_text(text)
    assert normalized == text and all(ch in normalized for ch in kept)
    if "！" in text:
        assert len(sentences(normalized, "zh-cn")) == 4
        widened = ftfy.fix_text(text, config=ftfy.TextFixerConfig(uncurl_quotes=False))  # the old answer
        assert "!" in widened and len(sentences(widened, "zh-cn")) < 4


def test_an_ideographic_space_is_still_one_space():
    assert normalize_text("東京\u3000大阪  名古屋") == "東京 大阪 名古屋"
