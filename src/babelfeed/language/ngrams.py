"""langdetect's detector with its per-character Python loops replaced: the same answers, faster.

langdetect stays the detector the tables record, but most of its time is not its model: for
each character of the text it calls `NGram.add_char` (a Unicode block looked up by bisection,
three slices, three dictionary look-ups), 4,000 times on a long article's sample, about 12 ms
of 15; the rest is its trials, a Python loop over its 55 languages per n-gram drawn. `Detector`
below is langdetect's own class with five methods done another way:

- `append` and `cleaning_text`: the same edits (URLs and e-mail addresses blanked, Vietnamese
  marks composed, runs of spaces made one; Latin letters dropped from text mostly in other
  scripts) with regular expressions instead of a loop that adds one character at a time;
- `_extract_ngrams`: each character normalised by a translation table (langdetect's own
  `NGram.normalize`, remembered per character), the text split into words at the spaces that
  normalisation leaves, and each word's n-grams (langdetect's rules: 1- to 3-grams with the
  word's leading and trailing space, none inside a run of capitals) made once per distinct
  word and remembered: the same n-grams in the same order as langdetect's state machine;
- `_detect_block`: langdetect's trials (seeded draws, the convergence test every fifth draw),
  with their arithmetic on numpy arrays, operation for operation the same floating-point steps
  (an add and a multiply per language, a sum in Python's order, a division, a division by the
  number of trials and an add), so the same probabilities to the last bit.

tests/test_language.py checks n-grams and probabilities against langdetect's own Detector on
texts of every script and on generated text; benchmarks/study_issue20.py `same` on 16,500
texts in 75 languages.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import numpy as np
from langdetect.detector import Detector as _LangdetectDetector
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

_SPACE_RUNS = re.compile(" {2,}")
# cleaning_text's tests, as langdetect writes them: 'A' <= ch <= 'z' (the six ASCII signs
# between Z and a included) is "Latin"; ch >= U+0300 is "not Latin" (its exception for Latin
# Extended Additional compares a block number with a block name, so it never applies).
_LATIN = re.compile("[A-z]")
_NOT_LATIN = re.compile("[\u0300-\U0010ffff]")
#: Characters, words and n-gram probability rows remembered, at most: a long-running worker
#: must not grow with the vocabulary it meets (a few MiB each when full).
CHARACTERS_KEPT, WORDS_KEPT, ROWS_KEPT = 50_000, 10_000, 10_000


class _Normalized(dict):
    """ord(ch) -> NGram.normalize(ch), computed the first time a character is met."""

    def __missing__(self, code: int) -> str:
        if len(self) > CHARACTERS_KEPT:
            self.clear()
        value = self[code] = NGram.normalize(chr(code))
        return value


_NORMALIZED = _Normalized()
_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
_ROWS: dict[str, np.ndarray] = {}


def _drawing(rng: random.Random, n: int) -> Callable[[], int]:
    """`rng.choice(range(n))` as a function: Random.choice's own steps (`_randbelow`: draw
    n.bit_length() bits until the number is below n) without its two Python calls per draw,
    where `rng` draws that way (the standard library's Random); else `rng.choice` itself."""
    if type(rng) is not random.Random or random.Random._randbelow is not random.Random._randbelow_with_getrandbits:
        indices = range(n)
        return lambda: rng.choice(indices)
    bits, getrandbits = n.bit_length(), rng.getrandbits

    def draw() -> int:
        r = getrandbits(bits)
        while r >= n:
            r = getrandbits(bits)
        return r

    return draw


def _word_ngrams(word: str, known: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The n-grams langdetect takes from `word` (normalised, without spaces) that its profiles
    know: those ending at each character, and those ending at the space after the word.

    langdetect's buffer holds the last three characters of " " + word; a character is skipped
    while the word runs in capitals (it and the one before are upper case), and the space after
    the word adds the 2-gram "x " and the 3-gram "yx " (or " x ")."""
    inner: list[str] = []
    padded = " " + word
    capitals = previous_upper = False
    for j, ch in enumerate(word):
        upper = ch.isupper()
        if j == 0 or not upper:
            capitals = False
        elif previous_upper:
            capitals = True
        previous_upper = upper
        if capitals:
            continue
        end = j + 2  # the character's end in `padded`
        for gram in (ch, padded[end - 2 : end], padded[end - 3 : end] if end >= 3 else ""):
            if gram and gram in known:
                inner.append(gram)
    tail = tuple(g for g in (word[-1] + " ", padded[-2:] + " ") if g in known)
    return tuple(inner), tail


class Detector(_LangdetectDetector):
    """langdetect's Detector (see the module's docstring); made by `language.detect`."""

    def append(self, text: str) -> None:
        text = self.URL_RE.sub(" ", text)
        text = self.MAIL_RE.sub(" ", text)
        text = NGram.normalize_vi(text)
        self.text += _SPACE_RUNS.sub(" ", text[: self.max_text_length])

    def cleaning_text(self) -> None:
        if len(_LATIN.findall(self.text)) * 2 < len(_NOT_LATIN.findall(self.text)):
            self.text = _LATIN.sub("", self.text)

    def _extract_ngrams(self) -> list[str]:
        known = self.word_lang_prob_map
        words = self.text.translate(_NORMALIZED).split(" ")
        if len(_WORDS) > WORDS_KEPT:
            _WORDS.clear()
        result: list[str] = []
        last = len(words) - 1
        for i, word in enumerate(words):
            if not word:
                continue
            grams = _WORDS.get(word)
            if grams is None:
                grams = _WORDS[word] = _word_ngrams(word, known)
            result.extend(grams[0])
            if i < last:  # followed by a space
                result.extend(grams[1])
        return result

    def _detect_block(self) -> None:
        """langdetect's `_detect_block`, step for step: the same seeded draws (`random.gauss`
        per trial, `random.choice` per n-gram), the same convergence test every fifth draw, the
        same arithmetic per language, on numpy arrays instead of a Python loop over them."""
        self.cleaning_text()
        ngrams = self._extract_ngrams()
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        langprob = np.zeros(len(self.langlist), dtype=np.float64)
        factor = np.empty(len(self.langlist), dtype=np.float64)
        self.random.seed(self.seed)
        draw = _drawing(self.random, len(ngrams))
        if len(_ROWS) > ROWS_KEPT:
            _ROWS.clear()
        for _ in range(self.n_trial):
            prob = self._init_probability()
            weight = (self.alpha + self.random.gauss(0.0, 1.0) * self.ALPHA_WIDTH) / self.BASE_FREQ
            i = 0
            while True:
                gram = ngrams[draw()]
                row = _ROWS.get(gram)
                if row is None:
                    row = _ROWS[gram] = np.array(self.word_lang_prob_map[gram], dtype=np.float64)
                np.add(row, weight, out=factor)
                np.multiply(prob, factor, out=prob)  # langdetect: prob[i] *= weight + row[i]
                if i % 5 == 0:
                    values = prob.tolist()
                    total = sum(values)  # Python's sum, in langdetect's order
                    prob /= total
                    # the largest value divided is the largest of the divided values (division
                    # by a positive number keeps the order, and each is the same one division)
                    if max(values) / total > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT:
                        break
                i += 1
            langprob += prob / self.n_trial
        self.langprob = langprob.tolist()

    def _init_probability(self) -> np.ndarray:  # type: ignore[override]
        if self.prior_map is not None:
            return np.array(self.prior_map, dtype=np.float64)
        return np.full(len(self.langlist), 1.0 / len(self.langlist), dtype=np.float64)
