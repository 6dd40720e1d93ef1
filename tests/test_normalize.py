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
