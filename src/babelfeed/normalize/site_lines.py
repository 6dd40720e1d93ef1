"""Lines a site carries on most of its pages: navigation, footers, subscription boxes, "all rights
reserved". Whatever their language, they are the site's, not the article's (`site_repeated`).

One page cannot tell its site's chrome from its own text; the site's other pages can. So every
committed article's short lines are counted per site (the host of its URL, else its site name;
a file with neither has no site) in a SQLite file in the state folder, `site_lines.sqlite`, and
the normalizer (in the helper process, read-only) asks which of a new page's lines its site has
carried before. A line is the site's when it was on at least PAGES distinct pages of the site
and on at least SHARE of the site's pages since it was first seen: a footer is on every page, a
sentence many articles share ("did not respond to a request for comment") on few.

Semantics, so the warehouse's invariants hold:
- a page is counted once however often it is processed again: its article id is remembered for
  each line until the line has PAGES pages, and the site's clock and a line's hits grow together
  when pages are processed again, so shares do not move;
- counting happens at commit (`runs.RunWriter`), saved just before the chunk's articles: a run
  killed in between redoes the chunk and counts nothing twice;
- a page sees the lines committed before it was processed. Within one run's first chunk, no page
  sees the others; a re-run that reprocesses pages (`--force`, a backfill, changed inputs) sees
  everything committed since, so it may set aside more of a page than the first run did, and
  it sets aside again what it set aside before (a line once the site's stays so while the site
  keeps carrying it). Unchanged inputs are not processed again, so their rows do not change;
- bounded: at most MAX_LINES lines per site, the least recently seen go first (lines seen on one
  page, the article's own, before the site's);
- harmlessly lost: a missing file starts empty, a damaged one goes to the quarantine and is
  started afresh; the count is rebuilt by the pages that come next (PAGES of them).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from babelfeed.article import Article

log = logging.getLogger(__name__)

FILE = "site_lines.sqlite"
#: A line is the site's once seen on this many distinct pages of it...
PAGES = 5
#: ... and on at least this share of the site's pages processed since it was first seen.
SHARE = 0.5
#: Only lines up to this long are counted (chrome is short; articles' paragraphs are not).
LINE_CHARS = 300
#: Lines kept per site, at most; the least recently seen are forgotten first.
MAX_LINES = 20_000
_CHUNK = 500  # SQLite host parameters per statement, at most
_DIGITS = re.compile(r"\d+")


def site_key(url: str | None, site: str | None) -> str | None:
    """The site a page belongs to: its URL's host without "www.", else its site name."""
    if url and "://" in url:
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        if host:
            return host
    if site and site.strip():
        return "name:" + " ".join(site.casefold().split())
    return None


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def fingerprint(line: str) -> int:
    """A line's key: casefolded, its numbers as 0 (a footer's year, a date line's date)."""
    return _hash(_DIGITS.sub("0", " ".join(line.casefold().split())))


def _page_lines(article: Article) -> set[int]:
    """The fingerprints of an article's short lines, its body's and those set aside."""
    lines = [p for p in article.text.split("\n\n") if p]
    lines += [b.text for b in article.boilerplate]
    return {fingerprint(line) for line in lines if len(line) <= LINE_CHARS}


_SCHEMA = """
CREATE TABLE IF NOT EXISTS sites (site TEXT PRIMARY KEY, clock INTEGER NOT NULL, lines INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS lines (site TEXT NOT NULL, fp INTEGER NOT NULL, pages INTEGER NOT NULL,
    hits INTEGER NOT NULL, first INTEGER NOT NULL, seen INTEGER NOT NULL, PRIMARY KEY (site, fp)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lines_by_age ON lines (site, seen);
CREATE TABLE IF NOT EXISTS line_pages (site TEXT NOT NULL, fp INTEGER NOT NULL, page INTEGER NOT NULL,
    PRIMARY KEY (site, fp, page)) WITHOUT ROWID;
"""


def _marks(n: int) -> str:
    return ",".join("?" * n)


class SiteLines:
    """The count, open for writing (the flow's commits); `repeated` reads it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=60)
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def save(self) -> None:
        """Make the changes since the last save durable, at once."""
        self.db.commit()

    def record(self, articles: Iterable[Article]) -> None:
        """Count the short lines of these pages for their sites (call `save` to keep it)."""
        by_site: dict[str, list[tuple[int, set[int]]]] = {}
        for article in articles:
            key = site_key(article.url, article.site)
            if key is not None:
                by_site.setdefault(key, []).append((_hash(article.article_id), _page_lines(article)))
        for key, pages in by_site.items():
            self._record_site(key, pages)

    def _record_site(self, site: str, pages: list[tuple[int, set[int]]]) -> None:
        db = self.db
        row = db.execute("SELECT clock, lines FROM sites WHERE site = ?", (site,)).fetchone()
        clock, count = row if row else (0, 0)
        fps = sorted(set().union(*(lines for _, lines in pages)))
        known: dict[int, list[int]] = {}  # fp -> [pages, hits, first, seen]
        counted: set[tuple[int, int]] = set()  # (fp, page) already counted
        for i in range(0, len(fps), _CHUNK):
            chunk = fps[i : i + _CHUNK]
            for fp, *values in db.execute(
                f"SELECT fp, pages, hits, first, seen FROM lines WHERE site = ? AND fp IN ({_marks(len(chunk))})",
                (site, *chunk),
            ):
                known[fp] = values
            counted.update(db.execute(
                f"SELECT fp, page FROM line_pages WHERE site = ? AND fp IN ({_marks(len(chunk))})", (site, *chunk)
            ))
        added = len(fps) - len(known)
        new_pairs: list[tuple[str, int, int]] = []
        for page, lines in pages:
            clock += 1
            for fp in lines:
                values = known.get(fp)
                if values is None:
                    values = known[fp] = [0, 0, clock, clock]
                values[1] += 1
                values[3] = clock
                if values[0] < PAGES and (fp, page) not in counted:
                    counted.add((fp, page))
                    values[0] += 1
                    new_pairs.append((site, fp, page))
        db.executemany("INSERT OR IGNORE INTO line_pages VALUES (?, ?, ?)", new_pairs)
        db.executemany(
            "INSERT OR REPLACE INTO lines VALUES (?, ?, ?, ?, ?, ?)",
            ((site, fp, *known[fp]) for fp in fps),
        )
        full = [fp for fp in fps if known[fp][0] >= PAGES]
        for i in range(0, len(full), _CHUNK):  # ids are needed only until a line has its pages
            chunk = full[i : i + _CHUNK]
            db.execute(f"DELETE FROM line_pages WHERE site = ? AND fp IN ({_marks(len(chunk))})", (site, *chunk))
        count += added
        if count > MAX_LINES:
            count = self._forget(site, count - MAX_LINES * 9 // 10, count)
        db.execute("INSERT OR REPLACE INTO sites VALUES (?, ?, ?)", (site, clock, count))

    def _forget(self, site: str, excess: int, count: int) -> int:
        """Forget the `excess` least recently seen lines of a site, those of fewer than PAGES
        pages (an article's own) before the site's."""
        victims = [fp for (fp,) in self.db.execute(
            "SELECT fp FROM lines WHERE site = ? ORDER BY pages >= ?, seen LIMIT ?", (site, PAGES, excess)
        )]
        for i in range(0, len(victims), _CHUNK):
            chunk = victims[i : i + _CHUNK]
            marks = _marks(len(chunk))
            self.db.execute(f"DELETE FROM lines WHERE site = ? AND fp IN ({marks})", (site, *chunk))
            self.db.execute(f"DELETE FROM line_pages WHERE site = ? AND fp IN ({marks})", (site, *chunk))
        return count - len(victims)


def repeated(db: sqlite3.Connection, site: str, lines: Sequence[str]) -> set[int]:
    """The indexes of `lines` that `site` carries (see the module's docstring)."""
    row = db.execute("SELECT clock FROM sites WHERE site = ?", (site,)).fetchone()
    if row is None:
        return set()
    clock = row[0]
    wanted: dict[int, list[int]] = {}
    for i, line in enumerate(lines):
        if len(line) <= LINE_CHARS:
            wanted.setdefault(fingerprint(line), []).append(i)
    found: set[int] = set()
    fps = list(wanted)
    for i in range(0, len(fps), _CHUNK):
        chunk = fps[i : i + _CHUNK]
        for (fp,) in db.execute(
            f"SELECT fp FROM lines WHERE site = ? AND fp IN ({_marks(len(chunk))}) AND pages >= ? "
            "AND hits >= ? * (? - first + 1)",
            (site, *chunk, PAGES, SHARE, clock),
        ):
            found.update(wanted[fp])
    return found


def open_index(path: Path, warehouse: str) -> SiteLines:
    """The count at `path`, for writing; a damaged file goes to the quarantine and a new one is
    started (the next PAGES pages of each site count its lines again)."""
    from babelfeed.warehouse.storage import set_aside

    path = Path(path)
    try:
        index = SiteLines(path)
        index.db.execute("SELECT count(*) FROM sites").fetchone()
        return index
    except sqlite3.DatabaseError as exc:
        moved = set_aside(path, path.parent, warehouse)
        log.warning("the count of site lines %s cannot be read (%s); moved it to %s and started a new one",
                    path, exc, moved)
        return SiteLines(path)


class Reader:
    """The count, read-only, as the normalizer in a helper process reads it: opened on first
    need, opened again when the file is replaced, and never in the way. A missing, busy or
    damaged file means no line is known (the flow's writer heals it)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None
        self._inode: int | None = None

    def repeated(self, site: str | None, lines: Sequence[str]) -> set[int]:
        if site is None or not lines:
            return set()
        try:
            inode = os.stat(self.path).st_ino
        except OSError:
            return set()
        try:
            if self._db is None or inode != self._inode:
                self.close()
                self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=2)
                self._inode = inode
            return repeated(self._db, site, lines)
        except sqlite3.Error as exc:
            log.debug("site lines %s not read: %s", self.path, exc)
            self.close()
            return set()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


_readers: dict[Path, Reader] = {}


def reader(state: Path) -> Reader:
    """This process's reader of the count in the state folder `state`."""
    path = Path(state) / FILE
    found = _readers.get(path)
    if found is None:
        found = _readers[path] = Reader(path)
    return found
