"""What two articles are compared on: their English text, as words and word shingles.

Copies differ in punctuation, case and spacing more than in words, so texts are compared as
lowercase word sequences: equal sequences are `exact` copies; otherwise MinHash signatures of
their 3-word shingles estimate the shingles' Jaccard similarity. Measured on the seeds:
different stories, even about the same event, share at most 0.02 of their 3-shingles; a copy
with one paragraph dropped and a few words changed shares 0.87 to 0.96; a heavy rewrite (a
third cut, articles swapped) 0.49 to 0.62.

The signature is rensa's `RMinHash` (MinHash in Rust) over 64-bit shingle hashes: each word is
hashed once (rensa's token hash), and a shingle's hash combines its words' hashes (each
rotated by its place, so word order counts) and mixes the bits, all in numpy. datasketch
hashed each shingle string with SHA-1 in a Python call and found the words twice (once more
for the exact key): 11 ms a 60 KB page, now about 4, most of it finding the words. Estimates
and recall on planted copies are those of the SHA-1 signatures (README, dedup figures); the
values differ, so an index made under another `SCHEME` is rebuilt once (`dedup.index`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

import numpy as np
from rensa import RMinHash

from babelfeed.article import Article

SHINGLE_WORDS = 3
NUM_PERM = 128
SEED = 1
#: Stored signatures stay comparable only under the same scheme: the index records it and is
#: rebuilt from the articles when it differs. rensa versions its MinHash (ALGORITHM_VERSION).
SCHEME = f"rensa-rminhash-v{RMinHash.ALGORITHM_VERSION}/words-xor-rotate-fmix64/{SHINGLE_WORDS}x{NUM_PERM}s{SEED}"
_WORD = re.compile(r"\w+")
_ROTATION = 21  # bits a word's hash is rotated per place in its shingle
_U64 = np.uint64


def english(article: Article) -> str:
    """The text duplicates are found on: the English text, or the original where there is
    none yet (an untranslated article still has copies among untranslated ones)."""
    return article.text_english or article.text


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _key(found: list[str]) -> str:
    return hashlib.sha256(" ".join(found).encode("utf-8")).hexdigest()


def exact_key(text: str) -> str:
    """Equal for texts with the same words in the same order."""
    return _key(words(text))


def _rotated(values: np.ndarray, bits: int) -> np.ndarray:
    bits %= 64
    return values if bits == 0 else (values << _U64(bits)) | (values >> _U64(64 - bits))


def _fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: every input bit moves every output bit."""
    values = values ^ (values >> _U64(33))
    values *= _U64(0xFF51AFD7ED558CCD)
    values ^= values >> _U64(33)
    values *= _U64(0xC4CEB9FE1A85EC53)
    values ^= values >> _U64(33)
    return values


def _shingle_hashes(found: list[str]) -> np.ndarray:
    """One 64-bit hash per word shingle (a text of fewer words: one for all of them)."""
    if len(found) < SHINGLE_WORDS:
        return _fmix64(np.asarray(RMinHash.hash_token_sets([[" ".join(found)]])[0], dtype=_U64))
    hashed = np.asarray(RMinHash.hash_token_sets([found])[0], dtype=_U64)
    count = len(hashed) - SHINGLE_WORDS + 1
    combined = hashed[:count].copy()
    for place in range(1, SHINGLE_WORDS):
        combined ^= _rotated(hashed[place : place + count], _ROTATION * place)
    return _fmix64(combined)


def _signature(found: list[str]) -> np.ndarray:
    hashes = _shingle_hashes(found)
    rows = RMinHash.digest_matrix_from_flat_token_hashes(hashes, [0, len(hashes)], NUM_PERM, SEED).to_rows()
    return np.asarray(rows[0], dtype=np.uint32)


def signature(text: str) -> np.ndarray:
    """The MinHash signature of the text's word shingles (uint32, NUM_PERM values)."""
    return _signature(words(text))


def key_and_signature(text: str) -> tuple[str, np.ndarray]:
    """`exact_key(text)` and `signature(text)`, finding the words once."""
    found = words(text)
    return _key(found), _signature(found)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def fingerprint(article: Article) -> Article:
    """The article with its exact key and signature: the costly part of duplicate detection,
    done where the article is made, on every core."""
    return replace(article, fingerprint=key_and_signature(english(article)))
