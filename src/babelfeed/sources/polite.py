"""The gate every request passes: robots.txt first, then the host's turn.

`fetch` calls it for every hop of every request when its policy carries a `Politeness` (the
flows' policies always do): pages, feeds, sitemaps and robots.txt files themselves (those skip
the robots check, not the host limiter). A gate is kept per process and per run, so its
robots.txt rules stay in memory between the batches a worker runs.
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from babelfeed.article import RejectReason
from babelfeed.sources.hosts import HostLimiter
from babelfeed.sources.http import FetchError
from babelfeed.sources.robots import ALLOW_ALL, Answer, RobotsCache, RobotsRules, product_token
from babelfeed.sources.urlnorm import origin

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Politeness:
    """How a run treats other people's servers (BABELFEED_* settings, see settings.py)."""

    state_dir: str
    run_id: str
    respect_robots: bool = True
    robots_ttl: float = 86400.0
    host_concurrency: int = 1
    host_delay: float = 1.0
    max_retry_after: float = 120.0


class Gate:
    def __init__(self, politeness: Politeness, user_agent: str) -> None:
        state = Path(politeness.state_dir)
        self.politeness = politeness
        self.limiter = HostLimiter(
            state / "hosts", politeness.run_id, politeness.host_concurrency, politeness.host_delay,
            politeness.max_retry_after,
        )
        self.robots = RobotsCache(state / "robots", politeness.robots_ttl, politeness.run_id,
                                  product_token(user_agent))
        if not politeness.respect_robots:
            log.warning("robots.txt is not read (BABELFEED_RESPECT_ROBOTS=false): fetch only from sites "
                        "that are yours or allow it")

    def rules(self, url: str, fetcher) -> RobotsRules:
        """The robots.txt rules of `url`'s origin; `fetcher(robots_url)` gets the file."""
        if not self.politeness.respect_robots:
            return ALLOW_ALL
        return self.robots.rules(origin(url), fetcher)

    def admit(self, url: str, fetcher) -> RobotsRules:
        """Raise FetchError when robots.txt keeps us from `url`; return the rules otherwise."""
        rules = self.rules(url, fetcher)
        rule = rules.blocking_rule(url)
        if rule is None:
            return rules
        robots_url = origin(url) + "/robots.txt"
        if rules.unreachable:
            raise FetchError(RejectReason.ROBOTS_UNREACHABLE, (
                f"{url}: {robots_url} could not be fetched ({rules.unreachable}); as RFC 9309 asks, nothing "
                "of this host is fetched in this run, the next run asks again"))
        raise FetchError(RejectReason.ROBOTS_DISALLOWED,
                         f"{url}: disallowed by {robots_url}, {rule} for {self.robots.product!r}")

    def slot(self, url: str, rules: RobotsRules | None = None) -> AbstractContextManager[None]:
        return self.limiter.slot(url, rules.crawl_delay if rules else None)

    def back_off(self, url: str, seconds: float) -> None:
        self.limiter.back_off(url, seconds)


_gates: dict[tuple[Politeness, str], Gate] = {}
_lock = threading.Lock()


def gate_for(politeness: Politeness, user_agent: str) -> Gate:
    """This process's gate for a run (robots.txt rules kept in memory across batches)."""
    key = (politeness, user_agent)
    with _lock:
        gate = _gates.get(key)
        if gate is None:
            if len(_gates) > 8:  # a long-lived process (serve) sees one run after another
                _gates.clear()
            gate = _gates[key] = Gate(politeness, user_agent)
        return gate


def answer_of(error: FetchError | None, text: str | None) -> Answer:
    """What a robots.txt fetch means (RFC 9309 section 2.3.1): a 4xx other than 429 is no file
    (all allowed); a 5xx, 429, timeout or any other failure is a file that cannot be had."""
    if error is None:
        return Answer(text)
    if error.status is not None and 400 <= error.status < 500 and error.status != 429:
        return Answer(None)
    return Answer(None, unreachable=str(error).split(": ", 1)[-1])
