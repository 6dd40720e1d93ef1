import codecs
from datetime import UTC, datetime

import pytest

from babelfeed.article import Article, Reject, RejectReason, SourceItem
from babelfeed.extract import extract

NOW = datetime(2026, 11, 21, tzinfo=UTC)
PARAGRAPH = (
    "The Pentagon has confirmed that the United States will send an anti-missile system and "
    "additional troops to Israel, officials said on Sunday in a statement to reporters."
)
HTML = f"""<!doctype html><html><head>
<title>Pentagon sends Thaad to Israel | Example News</title>
<meta property="og:site_name" content="Example News">
<meta name="author" content="Jane Doe; John Roe">
<meta property="article:published_time" content="2024-10-13T09:30:00Z">
<link rel="canonical" href="https://news.example.org/thaad">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Pentagon sends Thaad to Israel</h1>
<p>{PARAGRAPH}</p><p>{PARAGRAPH.replace("Sunday", "Monday")}</p>
<p>{PARAGRAPH.replace("Sunday", "Tuesday")}</p></article>
<footer>Copyright Example News. Subscribe to our newsletter.</footer>
</body></html>"""


def item(content: bytes, media_type: str = "text/plain") -> SourceItem:
    return SourceItem("file:///x", "file", content, NOW, media_type)


def test_html_goes_through_trafilatura_with_metadata():
    article = extract(item(HTML.encode(), "text/html"))
    assert isinstance(article, Article)
    assert article.title == "Pentagon sends Thaad to Israel"
    assert article.authors == ("Jane Doe", "John Roe")
    assert article.site == "Example News"
    assert article.published_at is not None and article.published_at.date().isoformat() == "2024-10-13"
    # A file was fetched from nowhere: its url stays null, the page's canonical link is kept apart.
    assert article.url is None and article.canonical_url == "https://news.example.org/thaad"
    assert "Tuesday in a statement" in article.text
    assert "Subscribe" not in article.text and "Home" not in article.text


def test_html_without_main_text_is_rejected():
    result = extract(item(b"<html><head><title>x</title></head><body><script>var a;</script></body></html>", "text/html"))
    assert isinstance(result, Reject) and result.reason is RejectReason.NO_TEXT


@pytest.mark.parametrize(
    "encoded",
    [
        codecs.BOM_UTF16_LE + "Präsident Biden, Straße, ärgerlich".encode("utf-16-le"),
        codecs.BOM_UTF8 + "Präsident Biden, Straße, ärgerlich".encode(),
        "Präsident Biden, Straße, ärgerlich, größer als üblich".encode("latin-1"),
        "Präsident Biden – „Straße“ ärgerlich, größer".encode("cp1252"),
    ],
    ids=["utf16-bom", "utf8-bom", "latin1", "cp1252"],
)
def test_text_is_decoded_from_common_encodings(encoded):
    article = extract(item(encoded))
    assert isinstance(article, Article)
    assert article.text.startswith("Präsident Biden") and "Straße" in article.text


def test_binary_is_rejected():
    result = extract(item(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))))
    assert isinstance(result, Reject) and result.reason is RejectReason.BINARY


def test_plain_text_headline_becomes_the_title():
    article = extract(item(b"Short Headline Here\nThe body of the story follows. It has sentences."))
    assert article.title == "Short Headline Here"
    assert extract(item(b"One sentence only, no headline.\nAnother line.")).title is None


def test_utf8_page_with_a_few_broken_bytes_is_read_as_utf8():
    """A UTF-8 page with one stray Latin-1 byte (a pasted fragment) is UTF-8 with damage, not a
    legacy encoding: its words stay whole and only the broken byte becomes U+FFFD."""
    words = "Größere Straßen, schöne Äpfel und Rinderbrühe für München. " * 3
    html = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>Küche</title></head><body><article>"
            f"<p>{words}</p><p>{words}</p><p>Preis: 5 \xfc".encode() + b"\xfc" +
            f" Euro. {words}</p></article></body></html>".encode())
    article = extract(item(html, "text/html"))
    assert isinstance(article, Article)
    assert "Größere Straßen, schöne Äpfel" in article.text and "Ã" not in article.text
    assert "\ufffd" in article.text
    text = extract(item(words.encode() + b"\xfc " + words.encode()))
    assert "schöne Äpfel" in text.text and "Ã" not in text.text


@pytest.mark.parametrize("encoding, text", [
    ("gbk", "新华社北京消息，国务院总理今天在人民大会堂会见了来访的外国代表团，双方就经贸合作交换了意见。" * 3),
    ("shift_jis", "東京の天気は晴れ、午後から雨が降るでしょう。政府は新しい経済対策を発表しました。" * 3),
    ("cp1251", "Президент заявил сегодня, что правительство примет новые меры поддержки." * 3),
])
def test_legacy_encodings_are_not_taken_for_damaged_utf8(encoding, text):
    """Chinese, Japanese or Cyrillic in a legacy encoding is not UTF-8 with a few broken bytes:
    only a few of its byte pairs happen to be valid UTF-8, so detection still reads it."""
    article = extract(item(text.encode(encoding)))
    assert isinstance(article, Article) and article.text == text.strip()
