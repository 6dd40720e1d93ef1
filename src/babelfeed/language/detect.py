"""Language detection with langdetect, made deterministic.

langdetect samples n-grams at random; without a fixed seed the same article can flip between
languages from one run to the next, which would break idempotent re-runs. We own one
detector factory with a fixed seed instead of touching the library's global one.

Every answer is checked against the scripts of the text (`scripts`): n-grams alone called
Traditional Chinese news Korean with full confidence.

The detector is langdetect's own class with its per-character loops done another way
(`ngrams.Detector`): the same probabilities, a fifth of the time.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from babelfeed.language import scripts
from babelfeed.language.ngrams import Detector

SEED = 0
#: Longer texts are detected on this many characters, taken from four evenly spread places:
#: langdetect's cost grows with the text up to the 10,000 characters it reads (all of them
#: from the start), and a spread sample says more about the dominant language than a prefix.
#: 2,000 would do almost as well (572 of 572 documents of 51 languages, 595 of 596 with a
#: fifth of their sentences in English, against 572 and 596) but, since `ngrams.Detector`
#: made langdetect's cost mostly its fixed trials, saves under 1 ms a long article: 4,000 keeps
#: every recorded language as it was (benchmarks/STUDY_issue20.md, section 3; the README).
SAMPLE_CHARS = 4000
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Detection:
    language: str
    confidence: float


class UndetectableError(ValueError):
    """The text has no features langdetect can use (numbers, symbols, too little)."""


@cache
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(SEED)
    return factory


_NOT_LETTERS = re.compile(r"[\W\d_]+")


def letter_count(text: str, enough: int | None = None) -> int:
    """The letters of `text` (`[^\\W\\d_]`: letters of every script, no digits). With `enough`,
    counting stops once that many are found (the count is then at least `enough`): whether a
    60 KB article has 20 letters is known after its first line."""
    if enough is None:
        return len(_NOT_LETTERS.sub("", text))
    step, found = max(4 * enough, 256), 0
    for start in range(0, len(text), step):
        found += len(_NOT_LETTERS.sub("", text[start : start + step]))
        if found >= enough:
            break
    return found


def sample(text: str, size: int = SAMPLE_CHARS) -> str:
    """`text`, or for a longer one four evenly spread slices of `size / 4` characters."""
    if len(text) <= size:
        return text
    piece = size // 4
    starts = [i * (len(text) - piece) // 3 for i in range(4)]  # the first and last at the ends
    return "\n".join(text[start : start + piece] for start in starts)


#: The confidence of an answer langdetect and the script do not agree on: the script's
#: language where it allows one (Chinese: its variant), else langdetect's, marked unsure.
SCRIPT_ONLY_CONFIDENCE = 0.5


def detect(text: str) -> Detection:
    """Detect the dominant language of `text` with its probability, checked against the
    text's scripts (`scripts.allowed_languages`)."""
    with _lock:  # loading profiles is not thread-safe; detection itself is cheap
        factory = _factory()
    detector = Detector(factory)
    text = sample(text)
    detector.append(text)
    try:
        ranked = detector.get_probabilities()
    except LangDetectException as exc:
        raise UndetectableError(str(exc) or "no language features found") from exc
    if not ranked:
        raise UndetectableError("no language features found")
    return _reconcile([(p.lang, float(p.prob)) for p in ranked], text)


def _reconcile(ranked: list[tuple[str, float]], text: str) -> Detection:
    """langdetect's ranked answers, corrected where the script says otherwise."""
    allowed = scripts.allowed_languages(text)
    language, confidence = ranked[0]
    if allowed is not None and language not in allowed:
        fitting = [(lang, p) for lang, p in ranked if lang in allowed]
        if fitting:
            language, confidence = fitting[0]
        elif len(allowed) == 1 or allowed == scripts.LANGUAGES["han"]:
            language = "zh-cn" if allowed == scripts.LANGUAGES["han"] else next(iter(allowed))
            confidence = SCRIPT_ONLY_CONFIDENCE
        else:  # the script allows several languages and langdetect named none of them
            confidence = min(confidence, SCRIPT_ONLY_CONFIDENCE)
    if language in scripts.LANGUAGES["han"]:
        language = scripts.chinese_variant(text) or language
    return Detection(language=language, confidence=round(confidence, 6))
