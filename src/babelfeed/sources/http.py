"""Fetching over HTTP(S) the way a careful crawler does.

httpx with connect/read timeouts, a size cap enforced while streaming, redirects followed by
hand (at most a few) so that every hop is checked, retries with exponential backoff (tenacity)
on 5xx answers and timeouts only, conditional requests (ETag, Last-Modified), a user agent
that says who we are, and only http/https to public addresses: a private, loopback or
link-local address is refused unless BABELFEED_ALLOW_PRIVATE_ADDRESSES is true, so a feed
cannot point the pipeline at the machine's own network.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from babelfeed import __version__
from babelfeed.article import RejectReason

USER_AGENT = f"babelfeed/{__version__} (multilingual news ingestion; https://github.com/babelfeed)"
_RETRY_STATUS = {500, 502, 503, 504}
_REDIRECT_STATUS = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A URL that cannot be fetched, with the reject reason to record."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class _Transient(Exception):
    """A 5xx answer or a timeout: worth another try."""

    def __init__(self, error: FetchError) -> None:
        super().__init__(str(error))
        self.error = error


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


def _get_once(client: httpx.Client, url: str, headers: dict[str, str], policy: HttpPolicy) -> Fetched:
    for _ in range(policy.max_redirects + 1):
        check_url(url, policy.allow_private)
        try:
            timeout = httpx.Timeout(policy.timeout, connect=min(policy.timeout, 10.0))
            with client.stream("GET", url, headers=headers, timeout=timeout) as response:
                if response.status_code == 304:
                    return Fetched(url, 304, b"", None, None, response.headers.get("etag"),
                                   response.headers.get("last-modified"))
                if response.status_code in _REDIRECT_STATUS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(RejectReason.HTTP_ERROR, f"{url}: redirect without a Location")
                    url = urljoin(url, location)
                    continue
                if response.status_code in _RETRY_STATUS:
                    raise _Transient(FetchError(RejectReason.HTTP_ERROR, f"{url}: HTTP {response.status_code}"))
                if response.status_code >= 400:
                    raise FetchError(RejectReason.HTTP_ERROR, f"{url}: HTTP {response.status_code}")
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
) -> Fetched:
    """GET `url` (conditionally when validators are given); raise FetchError when it cannot be had."""
    headers = {"user-agent": policy.user_agent, "accept-encoding": "gzip, deflate"}
    if etag:
        headers["if-none-match"] = etag
    if last_modified:
        headers["if-modified-since"] = last_modified

    @retry(
        retry=retry_if_exception(lambda e: isinstance(e, _Transient)),
        stop=stop_after_attempt(max(1, policy.attempts)),
        wait=wait_exponential(multiplier=policy.backoff, max=10),
        reraise=True,
    )
    def attempt() -> Fetched:
        return _get_once(client, url, headers, policy)

    try:
        return attempt()
    except _Transient as exc:
        raise exc.error from None


def client(policy: HttpPolicy) -> httpx.Client:
    """An HTTP client for one batch: pooled connections; `fetch` applies the policy's
    timeouts per request and follows redirects itself."""
    return httpx.Client(follow_redirects=False)
