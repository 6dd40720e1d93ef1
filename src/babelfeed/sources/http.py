"""Fetching over HTTP(S) the way a careful crawler does.

httpx with connect/read timeouts, a size cap enforced while streaming, redirects followed by
hand (at most a few) so that every hop is checked, retries with exponential backoff (tenacity)
on 5xx answers, 429 and timeouts only, conditional requests (ETag, Last-Modified), a user agent
that says who we are, and only http/https to public addresses: a private, loopback or
link-local address is refused unless BABELFEED_ALLOW_PRIVATE_ADDRESSES is true, so a feed
cannot point the pipeline at the machine's own network.

A 429 or 503 with `Retry-After` (seconds or an HTTP date) is tried again no sooner than it
says, if that is within `max_retry_after`; beyond it, the URL is a `rate_limited` reject that
the next run retries. With a `Politeness` in the policy every hop first passes the gate
(`sources.polite`): robots.txt, then the host's turn in the per-host limiter, which also
learns of every 429 and 503 and slows the host down for the rest of the run.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import httpx
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from babelfeed import __version__
from babelfeed.article import RejectReason

if TYPE_CHECKING:
    from babelfeed.sources.polite import Gate, Politeness
    from babelfeed.sources.robots import Answer, RobotsRules

USER_AGENT = f"babelfeed/{__version__} (multilingual news ingestion; https://github.com/babelfeed)"
_RETRY_STATUS = {500, 502, 504}
_SLOW_DOWN_STATUS = {429, 503}  # "too many requests", "unavailable": Retry-After may say when
_REDIRECT_STATUS = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A URL that cannot be fetched, with the reject reason to record (and the HTTP status
    that said so, where one did)."""

    def __init__(self, reason: RejectReason, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.status = status


class _Transient(Exception):
    """A 5xx or 429 answer or a timeout: worth another try, after `wait` seconds at least."""

    def __init__(self, error: FetchError, wait: float = 0.0) -> None:
        super().__init__(str(error))
        self.error = error
        self.wait = wait


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    content: bytes
    content_type: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class HttpPolicy:
    timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    attempts: int = 3
    backoff: float = 0.5
    allow_private: bool = False
    user_agent: str = USER_AGENT
    max_retry_after: float = 120.0
    #: robots.txt and the per-host limiter; None: neither (a single fetch, a test).
    polite: Politeness | None = None


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date); None when
    absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def check_url(url: str, allow_private: bool) -> None:
    """Refuse non-HTTP schemes and, unless allowed, hosts that resolve to private addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(RejectReason.BAD_URL, f"{url!r}: only http and https URLs with a host are fetched")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise FetchError(RejectReason.HTTP_ERROR, f"{parts.hostname}: name does not resolve ({exc})") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise FetchError(
                RejectReason.PRIVATE_ADDRESS,
                f"{parts.hostname} resolves to {address}, a private, loopback or link-local address; "
                "set BABELFEED_ALLOW_PRIVATE_ADDRESSES=true to fetch from it",
            )


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def _gate(policy: HttpPolicy) -> Gate | None:
    if policy.polite is None:
        return None
    from babelfeed.sources.polite import gate_for

    return gate_for(policy.polite, policy.user_agent)


def _robots_fetcher(client: httpx.Client, policy: HttpPolicy):
    """How the gate gets a robots.txt: through `fetch` itself (SSRF guard, size cap,
    timeouts, the host's turn), without a robots check of its own."""

    def get(robots_url: str) -> Answer:
        from babelfeed.sources.polite import answer_of

        try:
            got = fetch(client, robots_url, policy, check_robots=False)
        except FetchError as exc:
            return answer_of(exc, None)
        return answer_of(None, got.content.decode(got.charset or "utf-8", errors="replace"))

    return get


def robots_rules(client: httpx.Client, url: str, policy: HttpPolicy) -> RobotsRules:
    """The robots.txt rules for `url` (its `Sitemap:` lines, say), through the gate's cache
    when the policy has one."""
    gate = _gate(policy)
    if gate is not None:
        return gate.rules(url, _robots_fetcher(client, policy))
    from babelfeed.sources.robots import ALLOW_ALL, parse_robots, product_token
    from babelfeed.sources.urlnorm import origin

    answer = _robots_fetcher(client, policy)(origin(url) + "/robots.txt")
    if answer.text is None:
        return ALLOW_ALL
    return parse_robots(answer.text, product_token(policy.user_agent), origin(url) + "/robots.txt")


def _slow_down(url: str, status: int, header: str | None, policy: HttpPolicy, gate: Gate | None) -> _Transient:
    """A 429 or 503: tell the limiter, and retry after what Retry-After asks, or reject the URL
    as rate limited when that is beyond `max_retry_after`."""
    wait = retry_after(header)
    if gate is not None:
        gate.back_off(url, wait or 0.0)
    said = f", Retry-After {wait:.0f} s" if wait is not None else ""
    if wait is not None and wait > policy.max_retry_after:
        raise FetchError(RejectReason.RATE_LIMITED, (
            f"{url}: HTTP {status}{said}, beyond BABELFEED_MAX_RETRY_AFTER={policy.max_retry_after:g}; "
            "the next run tries again"), status)
    reason = RejectReason.RATE_LIMITED if status == 429 else RejectReason.HTTP_ERROR
    # With a gate the limiter holds the host until then; without one, the retry waits itself.
    return _Transient(FetchError(reason, f"{url}: HTTP {status}{said}", status),
                      wait=0.0 if gate is not None else (wait or 0.0))


def _get_once(
    client: httpx.Client, url: str, headers: dict[str, str], policy: HttpPolicy, check_robots: bool = True
) -> Fetched:
    gate = _gate(policy)
    for _ in range(policy.max_redirects + 1):
        check_url(url, policy.allow_private)
        rules = gate.admit(url, _robots_fetcher(client, policy)) if gate and check_robots else None
        try:
            timeout = httpx.Timeout(policy.timeout, connect=min(policy.timeout, 10.0))
            with (gate.slot(url, rules) if gate else nullcontext()), \
                    client.stream("GET", url, headers=headers, timeout=timeout) as response:
                if response.status_code == 304:
                    return Fetched(url, 304, b"", None, None, response.headers.get("etag"),
                                   response.headers.get("last-modified"))
                if response.status_code in _REDIRECT_STATUS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(RejectReason.HTTP_ERROR, f"{url}: redirect without a Location")
                    url = urljoin(url, location)
                    continue
                if response.status_code in _SLOW_DOWN_STATUS:
                    raise _slow_down(url, response.status_code, response.headers.get("retry-after"), policy, gate)
                if response.status_code in _RETRY_STATUS:
                    raise _Transient(FetchError(RejectReason.HTTP_ERROR, f"{url}: HTTP {response.status_code}",
                                                response.status_code))
                if response.status_code >= 400:
                    raise FetchError(RejectReason.HTTP_ERROR, f"{url}: HTTP {response.status_code}",
                                     response.status_code)
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > policy.max_bytes:
                    raise FetchError(RejectReason.TOO_LARGE, f"{url}: {declared} bytes exceeds the cap of "
                                     f"{policy.max_bytes}; raise BABELFEED_MAX_BYTES to accept it")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > policy.max_bytes:
                        raise FetchError(RejectReason.TOO_LARGE, f"{url}: more than {policy.max_bytes} bytes; "
                                         "raise BABELFEED_MAX_BYTES to accept it")
                content_type = response.headers.get("content-type")
                return Fetched(url, response.status_code, bytes(body), content_type, _charset(content_type),
                               response.headers.get("etag"), response.headers.get("last-modified"))
        except httpx.TimeoutException as exc:
            raise _Transient(FetchError(RejectReason.TIMEOUT, f"{url}: timed out ({type(exc).__name__})")) from exc
        except httpx.TransportError as exc:
            raise _Transient(FetchError(RejectReason.HTTP_ERROR, f"{url}: {type(exc).__name__}: {exc}")) from exc
    raise FetchError(RejectReason.REDIRECT_LOOP, f"more than {policy.max_redirects} redirects, last to {url}")


def fetch(
    client: httpx.Client,
    url: str,
    policy: HttpPolicy,
    etag: str | None = None,
    last_modified: str | None = None,
    check_robots: bool = True,
) -> Fetched:
    """GET `url` (conditionally when validators are given); raise FetchError when it cannot be had.
    `check_robots=False` is for robots.txt files themselves."""
    headers = {"user-agent": policy.user_agent, "accept-encoding": "gzip, deflate"}
    if etag:
        headers["if-none-match"] = etag
    if last_modified:
        headers["if-modified-since"] = last_modified

    backoff = wait_exponential(multiplier=policy.backoff, max=10)

    def wait(state) -> float:
        error = state.outcome.exception() if state.outcome else None
        return max(backoff(state), error.wait if isinstance(error, _Transient) else 0.0)

    @retry(
        retry=retry_if_exception(lambda e: isinstance(e, _Transient)),
        stop=stop_after_attempt(max(1, policy.attempts)),
        wait=wait,
        reraise=True,
    )
    def attempt() -> Fetched:
        return _get_once(client, url, headers, policy, check_robots)

    try:
        return attempt()
    except _Transient as exc:
        error = exc.error
        if error.reason is RejectReason.RATE_LIMITED:
            error = FetchError(error.reason, f"{error} after {max(1, policy.attempts)} attempts; the next run "
                               "tries again", error.status)
        raise error from None


def client(policy: HttpPolicy) -> httpx.Client:
    """An HTTP client for one batch: pooled connections; `fetch` applies the policy's
    timeouts per request and follows redirects itself."""
    return httpx.Client(follow_redirects=False)
