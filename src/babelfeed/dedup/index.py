"""The duplicate index: every article's group, exact key, signature and LSH band keys, on disk.

Later runs and backfills must find copies of articles ingested long before, and a month of
news is millions of articles: held in memory as datasketch's `MinHashLSH`, the index took
11.6 KiB per article (1.1 GB at 100,000) and 21 s to load. So the index is a SQLite file in
the warehouse's state folder (`_state/dedup.sqlite`), and a lookup reads only the rows of the
bands it hits: memory and the cost per article stay flat as history grows. datasketch makes
the signatures and chooses the LSH bands for the threshold (`MinHashLSH.hashranges`); an
article is a candidate copy when one of its bands equals a band of an indexed article, and a
copy when its estimated similarity reaches the threshold.

Changes are committed with each chunk, just before its articles (`save`): a run killed in
between redoes the chunk and finds its articles indexed with the same text, so their groups do
not move. Groups are stable: an article already indexed with the same text keeps its group
whatever run sees it again; a changed article is indexed anew; a removed one leaves the index.
A group is named by its first article, and keeps that name when the first article changes or
goes. If the file is lost or damaged, the index is rebuilt from the articles table, whose rows
carry their groups; so is an index whose signatures were made under another hashing scheme
(`signature.SCHEME`, recorded in the file; an index without a record predates issue 20's
signatures): signatures of two schemes cannot be compared, and the groups survive the rebuild.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from datasketch import MinHashLSH

from babelfeed.article import Article
from babelfeed.dedup.signature import (
    NUM_PERM,
    SCHEME,
    english,
    exact_key,
    key_and_signature,
    signature,
    similarity,
)

log = logging.getLogger(__name__)

EXACT = "exact"
NEAR = "near"
_CHUNK = 500  # SQLite host parameters per statement, at most
CACHE_KIB = 64 * 1024


def _band_keys(values: np.ndarray, ranges: Sequence[tuple[int, int]]) -> list[int]:
    """One 64-bit key per band: equal keys mean equal bands (up to a 2^-64 collision)."""
    return [
        int.from_bytes(hashlib.blake2b(bytes([band]) + values[start:end].tobytes(), digest_size=8).digest(),
                       "little", signed=True)
        for band, (start, end) in enumerate(ranges)
    ]


class DuplicateIndex:
    """Groups articles by their English text; `assign` names each article's group."""

    def __init__(self, path: Path, threshold: float) -> None:
        self.path = Path(path)
        self.threshold = threshold
        self.ranges = MinHashLSH(threshold=threshold, num_perm=NUM_PERM).hashranges
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=60)
        # Band keys are random: inserts touch pages all over the index, and a page cache of
        # SQLite's default 2 MiB writes most of them twice per commit. 64 MiB, bounded.
        self.db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS entries (article_id TEXT PRIMARY KEY, grp TEXT NOT NULL,
                kind TEXT, exact_key TEXT NOT NULL, signature BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS entries_by_key ON entries (exact_key);
            CREATE TABLE IF NOT EXISTS bands (band_key INTEGER NOT NULL, article_id TEXT NOT NULL,
                PRIMARY KEY (band_key, article_id)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS layout (ranges TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS scheme (name TEXT NOT NULL);
            """
        )
        self.scheme = self._check_scheme()
        self._check_layout()

    def _check_scheme(self) -> str | None:
        """The hashing scheme of the stored signatures: recorded in a new (empty) index; None for
        an index written before schemes were recorded (datasketch's SHA-1 signatures)."""
        stored = self.db.execute("SELECT name FROM scheme").fetchone()
        if stored:
            return stored[0]
        if self.db.execute("SELECT 1 FROM entries LIMIT 1").fetchone():
            return None
        self.db.execute("INSERT INTO scheme VALUES (?)", (SCHEME,))
        self.db.commit()
        return SCHEME

    @property
    def stale(self) -> bool:
        """Its signatures were made under another scheme than this version's: `open_index`
        rebuilds such an index from the articles table."""
        return self.scheme != SCHEME

    def _check_layout(self) -> None:
        """Band keys depend on the threshold's bands: a new threshold re-derives them."""
        layout = repr(list(self.ranges))
        stored = self.db.execute("SELECT ranges FROM layout").fetchone()
        if stored and stored[0] == layout:
            return
        self.db.execute("DELETE FROM bands")
        rows = self.db.cursor().execute("SELECT article_id, signature FROM entries")  # streamed
        self.db.executemany(
            "INSERT OR IGNORE INTO bands VALUES (?, ?)",
            ((key, article_id) for article_id, blob in rows
             for key in _band_keys(np.frombuffer(blob, dtype=np.uint32), self.ranges)),
        )
        self.db.execute("DELETE FROM layout")
        self.db.execute("INSERT INTO layout VALUES (?)", (layout,))
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM entries").fetchone()[0]

    def group_of(self, article_id: str) -> tuple[str, str | None] | None:
        row = self.db.execute("SELECT grp, kind FROM entries WHERE article_id = ?", (article_id,)).fetchone()
        return (row[0], row[1]) if row else None

    # --- membership ---------------------------------------------------------------------------

    def _add(
        self, article_id: str, group: str, kind: str | None, key: str, values: np.ndarray,
        band_keys: list[int] | None = None,
    ) -> None:
        self.db.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", (article_id, group, kind, key, values.tobytes()))
        keys = band_keys if band_keys is not None else _band_keys(values, self.ranges)
        self.db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", ((k, article_id) for k in keys))

    def forget(self, article_ids: Iterable[str]) -> None:
        """Take articles out of the index (removed, or about to be indexed anew); their band
        rows are found from their stored signatures."""
        ids = list(article_ids)
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            stored = self.db.execute(
                f"SELECT article_id, signature FROM entries WHERE article_id IN ({marks})", chunk
            ).fetchall()
            self.db.executemany(
                "DELETE FROM bands WHERE band_key = ? AND article_id = ?",
                ((k, article_id) for article_id, blob in stored
                 for k in _band_keys(np.frombuffer(blob, dtype=np.uint32), self.ranges)),
            )
            self.db.execute(f"DELETE FROM entries WHERE article_id IN ({marks})", chunk)

    # --- assignment ---------------------------------------------------------------------------

    def _match(self, key: str, values: np.ndarray, keys: list[int]) -> tuple[str, str] | None:
        """(group, kind) of the closest indexed copy, if any (`keys`: the article's band keys)."""
        row = self.db.execute("SELECT grp FROM entries WHERE exact_key = ? ORDER BY rowid LIMIT 1", (key,)).fetchone()
        if row:
            return row[0], EXACT
        marks = ",".join("?" * len(keys))
        candidates = self.db.execute(
            f"SELECT e.grp, e.signature FROM entries e WHERE e.article_id IN "
            f"(SELECT DISTINCT article_id FROM bands WHERE band_key IN ({marks}))",
            keys,
        ).fetchall()
        close = [
            (-score, group)
            for group, blob in candidates
            if (score := similarity(values, np.frombuffer(blob, dtype=np.uint32))) >= self.threshold
        ]
        return (min(close)[1], NEAR) if close else None  # the most similar; ties: the smaller group id

    def assign(self, articles: Sequence[Article]) -> list[Article]:
        """Each article with its `duplicate_group` and `duplicate_kind`, in the input order.

        Articles are indexed one by one (by observed time, then id), so copies within one
        batch find each other. Call `save` to make the changes durable.
        """
        if self.stale:
            raise RuntimeError(f"the duplicate index {self.path} holds signatures of another scheme "
                               f"({self.scheme or 'unrecorded'}, not {SCHEME}): open it with open_index, "
                               "which rebuilds it from the articles table")
        done: dict[str, Article] = {}
        for article in sorted(articles, key=lambda a: (a.observed_at, a.article_id)):
            if article.fingerprint is not None:
                key, values = article.fingerprint
            else:
                text = english(article)
                key, values = exact_key(text), None
            known = self.db.execute(
                "SELECT grp, kind, exact_key FROM entries WHERE article_id = ?", (article.article_id,)
            ).fetchone()
            if known is not None and known[2] == key:
                done[article.article_id] = replace(
                    article, duplicate_group=known[0], duplicate_kind=known[1], fingerprint=None
                )
                continue
            self.forget([article.article_id])
            if values is None:
                values = signature(text)
            keys = _band_keys(values, self.ranges)
            group, kind = self._match(key, values, keys) or (article.article_id, None)
            self._add(article.article_id, group, kind, key, values, keys)
            done[article.article_id] = replace(article, duplicate_group=group, duplicate_kind=kind, fingerprint=None)
        return [done[a.article_id] for a in articles]

    def save(self) -> None:
        """Make the changes since the last save durable, at once."""
        self.db.commit()


def rebuild(path: Path, warehouse: str, threshold: float) -> DuplicateIndex:
    """The index recomputed from the articles table, under this version's scheme: rows keep the
    groups they record (read a batch at a time, so memory does not grow with history), rows
    without one (written before groups existed) are indexed as new, oldest first."""
    from babelfeed.warehouse import ARTICLES, dataset
    from babelfeed.warehouse.storage import resolve

    columns = ["article_id", "source_uri", "source_kind", "observed_at", "content_hash", "text_original",
               "text_english", "duplicate_group", "duplicate_kind"]
    staging = path.with_name(path.name + ".rebuilding")
    staging.unlink(missing_ok=True)
    index = DuplicateIndex(staging, threshold)
    fresh: list[Article] = []
    count = 0
    data = dataset(warehouse, ARTICLES)
    if data is not None:
        with resolve(warehouse).reading_all(data.files):
            for batch in data.to_batches(columns=columns):
                for row in batch.to_pylist():
                    count += 1
                    article = Article(row["article_id"], row["source_uri"], row["source_kind"], row["observed_at"],
                                      row["content_hash"], row["text_original"], text_english=row["text_english"])
                    if row["duplicate_group"] is None:
                        fresh.append(article)
                        continue
                    key, values = key_and_signature(english(article))
                    index._add(row["article_id"], row["duplicate_group"], row["duplicate_kind"], key, values)
    index.assign(sorted(fresh, key=lambda a: (a.observed_at, a.article_id)))
    index.save()
    index.close()
    staging.replace(path)  # the whole index appears at once
    log.warning("rebuilt the duplicate index from %d articles", count)
    return DuplicateIndex(path, threshold)


def open_index(path: Path, warehouse: str, threshold: float) -> DuplicateIndex:
    """The index at `path`; rebuilt from the articles table when it is missing (and the
    warehouse has articles), damaged (the damaged file goes to the quarantine), or made under
    another hashing scheme (once, on the first run of a version with a new `SCHEME`)."""
    from babelfeed.warehouse import ARTICLES, dataset
    from babelfeed.warehouse.storage import set_aside

    path = Path(path)
    if not path.exists():
        if dataset(warehouse, ARTICLES) is None:
            return DuplicateIndex(path, threshold)
        return rebuild(path, warehouse, threshold)
    try:  # a damaged file fails here (reading its schema); `babelfeed check` reads it all
        index = DuplicateIndex(path, threshold)
    except sqlite3.DatabaseError as exc:
        moved = set_aside(path, path.parent, warehouse)
        log.warning("the duplicate index %s cannot be read (%s); moved it to %s and rebuilt it from the articles",
                    path, exc, moved)
        return rebuild(path, warehouse, threshold)
    if not index.stale:
        return index
    index.close()
    log.warning("the duplicate index %s holds signatures of another scheme (%s); this version makes %s: "
                "rebuilding it from the articles (once)", path, index.scheme or "datasketch SHA-1, unrecorded", SCHEME)
    return rebuild(path, warehouse, threshold)
