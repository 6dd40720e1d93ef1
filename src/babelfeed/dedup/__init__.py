"""Exact and near-duplicate groups of articles, across runs.

News is copied everywhere (wire copies, syndication, updates, translations), and every count
or training set built on the tables double-counts unless copies are grouped. Each article
gets `duplicate_group` (the id of its group's first article; its own when it has no copy)
and `duplicate_kind` (`exact`: the same words; `near`: MinHash LSH over word shingles finds
it at least `BABELFEED_DEDUP_THRESHOLD` similar; null: first or alone). Duplicates are found
on the English text, so a good translation joins its original's group.
"""

from babelfeed.dedup.index import EXACT, NEAR, DuplicateIndex, open_index, rebuild
from babelfeed.dedup.signature import fingerprint

__all__ = ["EXACT", "NEAR", "DuplicateIndex", "fingerprint", "open_index", "rebuild"]
