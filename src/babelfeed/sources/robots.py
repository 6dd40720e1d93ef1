"""robots.txt, read the way RFC 9309 says, fetched once per host and cached in the state folder.

Rules: the groups naming our product token (`babelfeed`, case-insensitive) apply, combined;
else the `*` groups; else none. The longest matching Allow/Disallow pattern wins, Allow on a
tie; `*` matches any run of characters and a final `$` anchors the end. `Crawl-delay` (not in
the RFC, but what sites use to ask for slower crawling) and `Sitemap:` lines are read too.

Python's `urllib.robotparser` was read and not used: it takes the first matching rule in file
order (RFC 9309 takes the longest, so `Disallow: /` then `Allow: /news/` blocks the news),
knows no `*` or `$` (and turns `Disallow: /*?` into `/*`, which blocks the whole site), and
cannot say which rule decided, which a reject must name.

Fetching: the robots.txt goes through the same `fetch` as every page (SSRF guard, size cap,
timeouts, the host limiter). A 4xx answer other than 429 means there is none: everything is
allowed. A 5xx, a 429, a timeout or any other failure means it cannot be had, which RFC 9309
treats as "disallow all": nothing of that host is fetched for the rest of the run, and the
next run asks again. Answers are cached in `<state>/robots/` for `BABELFEED_ROBOTS_TTL`
seconds, one file per origin, written under an exclusive lock so that worker processes meeting
a new host together fetch its robots.txt once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

log = logging.getLogger(__name__)

#: RFC 9309 asks crawlers to parse at least 500 KiB; what is beyond is ignored.
PARSE_LIMIT = 512 * 1024


@dataclass(frozen=True)
class Rule:
    allow: bool
    pattern: str
    line: int  # 1-based line number in the file, for the reject's detail

    def __str__(self) -> str:
        return f"{'Allow' if self.allow else 'Disallow'}: {self.pattern} (line {self.line})"


@dataclass(frozen=True)
class RobotsRules:
    """What one robots.txt says to us."""

    rules: tuple[Rule, ...] = ()
    crawl_delay: float | None = None
    sitemaps: tuple[str, ...] = ()
    #: Why nothing may be fetched (the file could not be had); None when the rules decide.
    unreachable: str | None = None

    def blocking_rule(self, url: str) -> Rule | None:
        """The rule that disallows `url`, or None when it may be fetched."""
        parts = urlsplit(url)
        if self.unreachable:
            return Rule(False, "/", 0)
        path = unquote(parts.path or "/") + (f"?{unquote(parts.query)}" if parts.query else "")
        if path == "/robots.txt":
            return None
        best: Rule | None = None
        for rule in self.rules:
            if not _matches(rule.pattern, path):
                continue
            if best is None or len(rule.pattern) > len(best.pattern) or (
                len(rule.pattern) == len(best.pattern) and rule.allow and not best.allow
            ):
                best = rule
        return best if best is not None and not best.allow else None


ALLOW_ALL = RobotsRules()


def _matches(pattern: str, path: str) -> bool:
    """RFC 9309 pattern match (a prefix match, `*` any run, a final `$` the end), without
    regular expressions: a hostile pattern of many `*` costs at most len(pattern) x len(path)
    steps, never the exponential backtracking a regex engine can fall into."""
    if pattern.endswith("$"):
        pattern = unquote(pattern[:-1])
    else:
        pattern = unquote(pattern) + "*"
    p = s = 0
    star, mark = -1, 0
    while s < len(path):
        if p < len(pattern) and pattern[p] != "*" and pattern[p] == path[s]:
            p += 1
            s += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark = p, s
            p += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            s = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def product_token(user_agent: str) -> str:
    """`babelfeed/0.1.0 (...)` -> `babelfeed`: the name robots.txt groups are matched against."""
    return user_agent.split("/", 1)[0].split()[0].strip().lower() if user_agent.strip() else "*"


def parse_robots(text: str, product: str, base_url: str = "") -> RobotsRules:
    """The rules of `text` that apply to `product` (see the module's docstring)."""
    mine: list[Rule] = []
    anyone: list[Rule] = []
    delays: dict[str, float] = {}
    sitemaps: list[str] = []
    agents: list[str] = []
    in_rules = False  # a user-agent line after rules starts a new group
    found_mine = False
    for number, raw in enumerate(text[:PARSE_LIMIT].splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key in ("user-agent", "useragent"):
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
            found_mine = found_mine or value.lower() == product
        elif key in ("allow", "disallow"):
            in_rules = True
            if not value:
                continue  # an empty Disallow allows everything: no rule
            rule = Rule(key == "allow", value, number)
            if product in agents:
                mine.append(rule)
            if "*" in agents:
                anyone.append(rule)
        elif key == "crawl-delay":
            in_rules = True
            try:
                delay = float(value)
            except ValueError:
                continue
            if delay >= 0 and delay == delay and delay != float("inf"):
                for agent in agents:
                    delays.setdefault(agent, delay)
        elif key == "sitemap" and value:
            sitemaps.append(urljoin(base_url, value))
    group = product if found_mine else "*"
    return RobotsRules(
        rules=tuple(mine if found_mine else anyone), crawl_delay=delays.get(group),
        sitemaps=tuple(dict.fromkeys(sitemaps)),
    )


@dataclass(frozen=True)
class Answer:
    """What fetching a robots.txt gave: its text, None when there is none (4xx), or why it
    cannot be had (`unreachable`)."""

    text: str | None
    unreachable: str | None = None


@dataclass
class RobotsCache:
    """robots.txt per origin: in memory for this process, on disk for the others and the next
    runs. `fetcher(robots_url)` gets the file through the caller's HTTP client and rules."""

    folder: Path
    ttl: float
    run_id: str
    product: str
    _memory: dict[str, tuple[RobotsRules, float]] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def rules(self, origin: str, fetcher: Callable[[str], Answer]) -> RobotsRules:
        now = time.time()
        held = self._memory.get(origin)
        if held is not None and now < held[1]:
            return held[0]
        with self._guard:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:  # threads of this process: one fetch per origin
            held = self._memory.get(origin)
            if held is not None and time.time() < held[1]:
                return held[0]
            found, expires = self._load_or_fetch(origin, fetcher)
            self._memory[origin] = (found, expires)
            return found

    def _load_or_fetch(self, origin: str, fetcher: Callable[[str], Answer]) -> tuple[RobotsRules, float]:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.blake2b(origin.encode(), digest_size=10).hexdigest()
        path = self.folder / f"{name}.json"
        with open(self.folder / f"{name}.lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # other processes: one fetch per origin
            try:
                cached = self._read(path, origin)
                if cached is not None:
                    return cached
                robots_url = origin + "/robots.txt"
                answer = fetcher(robots_url)
                record = {"origin": origin, "fetched_at": time.time(), "run_id": self.run_id,
                          "text": answer.text, "unreachable": answer.unreachable}
                # Written in place under the lock, which every reader takes too: a write cut
                # short leaves a file that does not parse, which is fetched again.
                path.write_text(json.dumps(record), encoding="utf-8")
                if answer.unreachable:
                    log.warning("%s cannot be had (%s): nothing of %s is fetched in this run", robots_url,
                                answer.unreachable, origin)
                return self._rules_of(record, origin), self._expiry(record)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read(self, path: Path, origin: str) -> tuple[RobotsRules, float] | None:
        try:
            record = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None  # missing or damaged: fetched again
        if not isinstance(record, dict) or record.get("origin") != origin:
            return None
        if record.get("unreachable") and record.get("run_id") != self.run_id:
            return None  # unreachable counts for the run that met it only
        expires = self._expiry(record)
        return (self._rules_of(record, origin), expires) if time.time() < expires else None

    def _expiry(self, record: dict) -> float:
        if record.get("unreachable"):
            return float("inf") if record.get("run_id") == self.run_id else 0.0
        return float(record.get("fetched_at", 0)) + self.ttl

    def _rules_of(self, record: dict, origin: str) -> RobotsRules:
        if record.get("unreachable"):
            return RobotsRules(unreachable=str(record["unreachable"]))
        if record.get("text") is None:
            return ALLOW_ALL
        return parse_robots(str(record["text"]), self.product, origin + "/robots.txt")
