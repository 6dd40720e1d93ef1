"""Sentence translations on disk, keyed by model and decoding settings.

Re-runs, backfills and boilerplate repeated across articles should cost nothing, so every
translation is kept with its score, output token count and flags (a cached sentence must
carry the same quality signals as a fresh one). The key names the model version and the
decoding settings that shape the output (beam, repetition controls, length cap): change any
of them and the sentence is translated again instead of served stale. SQLite in WAL mode is
safe across the worker processes of a run.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from babelfeed.translate.engine import Translation


def sentence_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TranslationCache:
    _CHUNK = 500

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            # The table before scores and flags existed: its rows cannot be served without
            # them, and keeping it would only hold disk space.
            db.execute("DROP TABLE IF EXISTS translations")
            db.execute(
                "CREATE TABLE IF NOT EXISTS sentences (model_id TEXT, decoding TEXT,"
                " sentence_hash TEXT, english TEXT NOT NULL, score REAL, tokens INTEGER NOT NULL,"
                " flags TEXT NOT NULL, PRIMARY KEY (model_id, decoding, sentence_hash)) WITHOUT ROWID"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=60)

    def get_many(self, model_id: str, decoding: str, hashes: Sequence[str]) -> dict[str, Translation]:
        found: dict[str, Translation] = {}
        with self._connect() as db:
            for i in range(0, len(hashes), self._CHUNK):
                chunk = hashes[i : i + self._CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT sentence_hash, english, score, tokens, flags FROM sentences"
                    f" WHERE model_id = ? AND decoding = ? AND sentence_hash IN ({marks})",
                    [model_id, decoding, *chunk],
                )
                for h, english, score, tokens, flags in rows:
                    found[h] = Translation(english, score, tokens, tuple(flags.split()) if flags else ())
        return found

    def put_many(self, model_id: str, decoding: str, pairs: Iterable[tuple[str, Translation]]) -> None:
        with self._connect() as db:
            db.executemany(
                "INSERT OR REPLACE INTO sentences VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (model_id, decoding, h, t.english, t.score, t.tokens, " ".join(t.flags))
                    for h, t in pairs
                ],
            )
