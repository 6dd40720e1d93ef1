"""Language identification: the article's dominant language, and each sentence's own.

`detect` (langdetect, seeded, checked against the text's scripts) decides an article's
language; `label_sentences` gives each sentence its own where it clearly differs.
"""

from babelfeed.language.detect import (
    SAMPLE_CHARS,
    Detection,
    UndetectableError,
    detect,
    letter_count,
    sample,
)
from babelfeed.language.sentences import label_sentences, sentence_language

__all__ = [
    "SAMPLE_CHARS", "Detection", "UndetectableError", "detect", "label_sentences", "letter_count",
    "sample", "sentence_language",
]
