"""The duplicate index: every article's group, exact key and signature, kept in the warehouse.

Later runs and backfills must find copies of articles ingested long before, so the index lives
beside the ledger in `<warehouse>/_state/dedup/`: a `base.parquet` and, per commit, a small
`delta-NNNNNN.parquet` of what changed (a commit's cost follows the chunk, not the index);
every 32 deltas are folded into a new base. Files are replaced atomically, and re-applying a
delta is harmless, so a kill at any instant leaves a readable index. If the index is lost or
damaged it is rebuilt from the articles table, whose rows carry their groups.

Groups are stable: an article already indexed with the same text keeps its group whatever
run sees it again; a changed article is indexed anew; a removed one leaves the index. A group
is named by its first article, and keeps that name when the first article changes or goes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
from datasketch import MinHashLSH

from babelfeed.article import Article
from babelfeed.dedup.signature import (
    NUM_PERM,
    as_minhash,
    english,
    exact_key,
    signature,
    similarity,
)
from babelfeed.warehouse.storage import Storage, resolve
from babelfeed.warehouse.writer import write_table_file

log = logging.getLogger(__name__)

EXACT = "exact"
NEAR = "near"
#: Deltas folded into the base once there are this many.
MAX_DELTAS = 32
SCHEMA = pa.schema([
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("duplicate_group", pa.string()),  # null: the article left the index
    pa.field("duplicate_kind", pa.string()),
    pa.field("exact_key", pa.string()),
    pa.field("signature", pa.binary()),
])
_DELTA = re.compile(r"delta-(\d{6})\.parquet$")


@dataclass(slots=True)
class Entry:
    group: str
    kind: str | None
    key: str
    signature: np.ndarray


class DuplicateIndex:
    """Groups articles by their English text; `assign` names each article's group."""

    def __init__(self, store: Storage, threshold: float, entries: dict[str, Entry] | None = None) -> None:
        self.store = store
        self.threshold = threshold
        self.entries: dict[str, Entry] = {}
        self.by_key: dict[str, set[str]] = {}
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._changed: dict[str, Entry | None] = {}
        for article_id, entry in (entries or {}).items():
            self._add(article_id, entry)
        self._changed.clear()

    # --- membership ---------------------------------------------------------------------------

    def _add(self, article_id: str, entry: Entry) -> None:
        self.entries[article_id] = entry
        self.by_key.setdefault(entry.key, set()).add(article_id)
        self.lsh.insert(article_id, as_minhash(entry.signature), check_duplication=False)
        self._changed[article_id] = entry

    def forget(self, article_ids: Iterable[str]) -> None:
        """Take articles out of the index (removed, or about to be indexed anew)."""
        for article_id in article_ids:
            entry = self.entries.pop(article_id, None)
            if entry is None:
                continue
            members = self.by_key[entry.key]
            members.discard(article_id)
            if not members:
                del self.by_key[entry.key]
            self.lsh.remove(article_id)
            self._changed[article_id] = None

    def __len__(self) -> int:
        return len(self.entries)

    # --- assignment ---------------------------------------------------------------------------

    def _match(self, key: str, values: np.ndarray) -> tuple[str, str] | None:
        """(group, kind) of the closest indexed copy, if any."""
        if key in self.by_key:
            return self.entries[min(self.by_key[key])].group, EXACT
        scored = [
            (-similarity(values, self.entries[c].signature), self.entries[c].group)
            for c in self.lsh.query(as_minhash(values))
        ]
        close = [(score, group) for score, group in scored if -score >= self.threshold]
        return (min(close)[1], NEAR) if close else None  # the most similar; ties: the smaller id

    def assign(self, articles: Sequence[Article]) -> list[Article]:
        """Each article with its `duplicate_group` and `duplicate_kind`, in the input order.

        Articles are indexed one by one (by observed time, then id), so copies within one
        batch find each other.
        """
        done: dict[str, Article] = {}
        for article in sorted(articles, key=lambda a: (a.observed_at, a.article_id)):
            text = english(article)
            key = exact_key(text)
            known = self.entries.get(article.article_id)
            if known is not None and known.key == key:
                done[article.article_id] = replace(article, duplicate_group=known.group, duplicate_kind=known.kind)
                continue
            self.forget([article.article_id])
            values = signature(text)
            match = self._match(key, values)
            group, kind = match if match else (article.article_id, None)
            self._add(article.article_id, Entry(group, kind, key, values))
            done[article.article_id] = replace(article, duplicate_group=group, duplicate_kind=kind)
        return [done[a.article_id] for a in articles]

    # --- storage --------------------------------------------------------------------------------

    def save(self) -> None:
        """Write what changed since the last save as one delta (atomically)."""
        if not self._changed:
            return
        deltas = _deltas(self.store)
        number = max(deltas, default=0) + 1
        write_table_file(self.store, _table(self._changed.items()), _delta_path(self.store, number), "dedup")
        self._changed.clear()
        if len(deltas) + 1 >= MAX_DELTAS:
            self.compact()

    def compact(self) -> None:
        """Fold the deltas into a new base: the base first (atomically), then the deltas go."""
        deltas = _deltas(self.store)
        write_table_file(self.store, _table(self.entries.items()), _base_path(self.store), "dedup")
        for number in deltas:
            self.store.delete(_delta_path(self.store, number))


def _folder(store: Storage) -> str:
    return store.path("_state", "dedup")


def _base_path(store: Storage) -> str:
    return f"{_folder(store)}/base.parquet"


def _delta_path(store: Storage, number: int) -> str:
    return f"{_folder(store)}/delta-{number:06d}.parquet"


def _deltas(store: Storage) -> list[int]:
    return sorted(int(m.group(1)) for path, _ in store.files(_folder(store), ".parquet")
                  if (m := _DELTA.search(path)))


def _table(rows: Iterable[tuple[str, Entry | None]]) -> pa.Table:
    rows = list(rows)
    return pa.table(
        {
            "article_id": [article_id for article_id, _ in rows],
            "duplicate_group": [e.group if e else None for _, e in rows],
            "duplicate_kind": [e.kind if e else None for _, e in rows],
            "exact_key": [e.key if e else None for _, e in rows],
            "signature": [e.signature.tobytes() if e else None for _, e in rows],
        },
        schema=SCHEMA,
    )


def _apply(entries: dict[str, Entry], table: pa.Table) -> None:
    columns = table.select(SCHEMA.names).to_pydict()
    for article_id, group, kind, key, values in zip(*columns.values(), strict=True):
        if group is None:
            entries.pop(article_id, None)
        else:
            entries[article_id] = Entry(group, kind, key, np.frombuffer(values, dtype=np.uint32))


def exists(warehouse: str | Storage) -> bool:
    store = warehouse if isinstance(warehouse, Storage) else resolve(warehouse)
    return store.exists(_base_path(store)) or bool(_deltas(store))


def load(warehouse: str | Storage, threshold: float) -> DuplicateIndex:
    """The stored index (empty for a new warehouse). Raises on a damaged file: see `open_index`."""
    store = warehouse if isinstance(warehouse, Storage) else resolve(warehouse)
    entries: dict[str, Entry] = {}
    if store.exists(_base_path(store)):
        _apply(entries, store.read_parquet(_base_path(store)))
    for number in _deltas(store):
        _apply(entries, store.read_parquet(_delta_path(store, number)))
    return DuplicateIndex(store, threshold, entries)


def rebuild(warehouse: str | Storage, threshold: float) -> DuplicateIndex:
    """The index recomputed from the articles table: rows keep the groups they record, rows
    without one (written before groups existed) are indexed as new, oldest first."""
    from babelfeed.warehouse import ARTICLES, read_table

    store = warehouse if isinstance(warehouse, Storage) else resolve(warehouse)
    columns = ["article_id", "source_uri", "source_kind", "observed_at", "content_hash", "text_original",
               "text_english", "duplicate_group", "duplicate_kind"]
    rows = read_table(store, ARTICLES, columns=columns).to_pylist()
    index = DuplicateIndex(store, threshold)
    fresh: list[Article] = []
    for row in sorted(rows, key=lambda r: (r["observed_at"], r["article_id"])):
        article = Article(row["article_id"], row["source_uri"], row["source_kind"], row["observed_at"],
                          row["content_hash"], row["text_original"], text_english=row["text_english"])
        if row["duplicate_group"] is None:
            fresh.append(article)
            continue
        text = english(article)
        index._add(row["article_id"], Entry(row["duplicate_group"], row["duplicate_kind"], exact_key(text), signature(text)))
    index.assign(fresh)
    index.compact()
    index._changed.clear()
    log.warning("rebuilt the duplicate index from %d articles", len(rows))
    return index


def open_index(warehouse: str | Storage, threshold: float) -> DuplicateIndex:
    """The stored index; rebuilt from the articles table when it is missing (the warehouse
    has articles) or cannot be read."""
    from babelfeed.warehouse import ARTICLES, dataset

    store = warehouse if isinstance(warehouse, Storage) else resolve(warehouse)
    if not exists(store):
        return rebuild(store, threshold) if dataset(store, ARTICLES) is not None else DuplicateIndex(store, threshold)
    try:
        return load(store, threshold)
    except (OSError, pa.ArrowException, ValueError) as exc:
        log.warning("the duplicate index in %s cannot be read (%s); rebuilding it from the articles", _folder(store), exc)
        return rebuild(store, threshold)
