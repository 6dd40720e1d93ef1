"""What looks wrong in one translated sentence: the flags users filter on.

Neural models fail in a few recognisable ways: they loop (the same phrase to the length limit),
run out of room (the output hit its decoding bound), echo the input, return nothing, or drop
or invent content (the output's length far from the input's). None of these needs a second
model to notice, so every translated sentence is checked after decoding and the names of what
fired are stored in `segments.translation_flags`. The checks are cheap and deliberately narrow:
a flag should mean "look at this", not "probably fine".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from babelfeed import segment


class Flag(StrEnum):
    REPETITION = "repetition"  # a phrase repeated back to back, as looping models do
    TRUNCATED = "truncated"  # decoding stopped at the length bound, not at an end token
    COPY = "copy"  # the output is the input
    EMPTY = "empty"  # the model returned no text
    LENGTH_RATIO = "length_ratio"  # output tokens far fewer or far more than the input's
    MODEL_MISSING = "model_missing"  # no model for this sentence's language: left untranslated
    FAILED = "failed"  # the model raised: left untranslated
    CUT = segment.CUT  # set by segmentation: a piece of a sentence too long to keep whole


#: A phrase of up to this many words repeated back to back...
MAX_REPEATED_WORDS = 6
#: ...at least this many times in a row (a single word: one more, "very, very, very" happens).
MIN_REPEATS = 3
#: Output/input token ratios outside this range are flagged, for inputs of at least
#: LENGTH_RATIO_MIN_TOKENS tokens (short inputs vary too much: "Ja." -> "Yes, that's right.").
LENGTH_RATIO_RANGE = (1 / 3, 2.5)
LENGTH_RATIO_MIN_TOKENS = 8

#: Punctuation at a word's ends ("1.", "(Reuters)") does not make two words differ. The second
#: branch starts only where a run of punctuation does (from each of its characters, a scan to
#: the word's end would be quadratic in the run).
_EDGES = re.compile(r"^\W+|(?<!\W)\W+$")


def has_repetition(text: str) -> bool:
    """Whether some phrase of 1..MAX_REPEATED_WORDS words repeats back to back.

    Works on whitespace-separated words, not subword tokens, so "1,000,000,000,000" (whose
    pieces repeat) is not a loop.
    """
    words = [w for w in (_EDGES.sub("", w).casefold() for w in text.split()) if w]
    for size in range(1, MAX_REPEATED_WORDS + 1):
        needed = MIN_REPEATS + (1 if size == 1 else 0)
        if len(words) < size * needed:
            break
        for offset in range(size):  # copies of a phrase start `size` words apart
            run = 1
            for i in range(offset + size, len(words) - size + 1, size):
                if words[i : i + size] == words[i - size : i]:
                    run += 1
                    if run >= needed:
                        return True
                else:
                    run = 1
    return False


def flags(
    source: str, output: str, source_tokens: Sequence[str], output_tokens: Sequence[str], limit: int
) -> tuple[str, ...]:
    """The flags of one decoded sentence; `limit` is the decoding bound it ran under."""
    found: list[Flag] = []
    if not output.strip():
        return (Flag.EMPTY,) if len(output_tokens) < limit else (Flag.EMPTY, Flag.TRUNCATED)
    if has_repetition(output):
        found.append(Flag.REPETITION)
    if len(output_tokens) >= limit:
        found.append(Flag.TRUNCATED)
    if " ".join(output.casefold().split()) == " ".join(source.casefold().split()) and any(
        ch.isalpha() for ch in source
    ):
        found.append(Flag.COPY)
    if len(source_tokens) >= LENGTH_RATIO_MIN_TOKENS:
        low, high = LENGTH_RATIO_RANGE
        if not low <= len(output_tokens) / len(source_tokens) <= high:
            found.append(Flag.LENGTH_RATIO)
    return tuple(str(f) for f in found)
