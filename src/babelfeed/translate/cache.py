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
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from babelfeed.translate.engine import Translation

log = logging.getLogger(__name__)


def sentence_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: The cache's layout (`PRAGMA user_version`). A file of another layout is moved aside, never
#: guessed at: a cache is only ever a shortcut, so starting empty costs time, not data.
FORMAT = 1
_COLUMNS = ("model_id", "decoding", "sentence_hash", "english", "score", "tokens", "flags")


class IncompatibleCacheError(sqlite3.DatabaseError):
    """The file is an SQLite database, but not a translation cache this version can use."""


class TranslationCache:
    """Sentence translations in SQLite; never fatal to a run.

    `heal` moves a damaged or incompatible file aside (and returns where to), after which an
    empty cache is created in its place: the flow opens the cache this way once per run,
    holding the warehouse. Worker processes open it without `heal` (others may have it open):
    where it still cannot be used, or breaks mid-run, they translate without it and warn once.
    """

    _CHUNK = 500

    def __init__(self, path: Path, heal: Callable[[Path], Path] | None = None) -> None:
        self.path = Path(path)
        self.broken: str | None = None  # why this process stopped using the cache
        try:
            self._create()
        except sqlite3.DatabaseError as exc:
            if heal is None or not _damaged(exc):
                self._give_up(exc)
                return
            moved = heal(self.path)
            log.warning("the translation cache %s could not be used (%s); moved it to %s and started an "
                        "empty one: sentences will be translated again", self.path, exc, moved)
            try:
                self._create()
            except sqlite3.DatabaseError as again:
                self._give_up(again)

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            columns = tuple(row[1] for row in db.execute("PRAGMA table_info(sentences)"))
            if version not in (0, FORMAT) or (columns and columns != _COLUMNS):
                raise IncompatibleCacheError(f"layout {version} with columns {columns}, expected {FORMAT}")
            db.execute("PRAGMA journal_mode=WAL")
            # The table before scores and flags existed: its rows cannot be served without
            # them, and keeping it would only hold disk space.
            db.execute("DROP TABLE IF EXISTS translations")
            db.execute(
                "CREATE TABLE IF NOT EXISTS sentences (model_id TEXT, decoding TEXT,"
                " sentence_hash TEXT, english TEXT NOT NULL, score REAL, tokens INTEGER NOT NULL,"
                " flags TEXT NOT NULL, PRIMARY KEY (model_id, decoding, sentence_hash)) WITHOUT ROWID"
            )
            db.execute(f"PRAGMA user_version = {FORMAT}")

    def _give_up(self, exc: sqlite3.Error) -> None:
        self.broken = str(exc)
        log.warning("translating without the cache %s (%s)%s", self.path, exc,
                    "; the next run moves it aside" if _damaged(exc) else "")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=60)

    def get_many(self, model_id: str, decoding: str, hashes: Sequence[str]) -> dict[str, Translation]:
        found: dict[str, Translation] = {}
        if self.broken:
            return found
        try:
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
        except sqlite3.Error as exc:
            self._give_up(exc)
        return found

    def put_many(self, model_id: str, decoding: str, pairs: Iterable[tuple[str, Translation]]) -> None:
        if self.broken:
            return
        try:
            with self._connect() as db:
                db.executemany(
                    "INSERT OR REPLACE INTO sentences VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (model_id, decoding, h, t.english, t.score, t.tokens, " ".join(t.flags))
                        for h, t in pairs
                    ],
                )
        except sqlite3.Error as exc:
            self._give_up(exc)


def _damaged(exc: sqlite3.Error) -> bool:
    """Whether the file itself is the problem (not a full disk, a lock or a permission)."""
    return isinstance(exc, IncompatibleCacheError) or getattr(exc, "sqlite_errorname", "") in (
        "SQLITE_NOTADB", "SQLITE_CORRUPT",
    )
