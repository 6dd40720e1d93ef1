"""A small news site on 127.0.0.1 for source tests: pages, feeds, archives and failures.

Every response is real HTTP from `http.server`; the site counts requests per path and the
conditional ones it answered with 304, so tests can prove what was (not) fetched again, and
logs every request with when it arrived and when its answer was sent (`log`), so politeness
tests assert on the server's own record. Several sites on distinct loopback addresses
(127.0.0.2, 127.0.0.3...) are several hosts.
"""

from __future__ import annotations

import gzip
import io
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from random_argos import seed_lines

ENGLISH = seed_lines("003_4c44f74924c99ddc.txt")
GERMAN = seed_lines("002_9ebab77608ba1ccd.txt")
LAST_MODIFIED = formatdate(1790000000, usegmt=True)


def page(title: str, paragraphs: list[str], lang: str = "en", meta: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html lang='{lang}'><head>{meta}<title>{title}</title>"
            f"<meta name='author' content='Jane Doe'></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>{title}</h1>{body}</article><footer>Subscribe now</footer></body></html>")


def rss(base: str, links: list[str]) -> str:
    items = "".join(
        f"<item><title>Item {i}</title><link>{base}{link}</link><guid>{base}{link}</guid>"
        f"<pubDate>Mon, 0{i + 1} Sep 2026 10:00:00 GMT</pubDate></item>"
        for i, link in enumerate(links)
    )
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>News</title>{items}</channel></rss>"


def atom(base: str, links: list[str]) -> str:
    entries = "".join(
        f"<entry><title>Entry {i}</title><link href='{base}{link}'/><id>{base}{link}</id>"
        f"<updated>2026-09-0{i + 1}T10:00:00Z</updated></entry>" for i, link in enumerate(links)
    )
    return f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>A</title>{entries}</feed>"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss version="2.0"><channel><title>&lol4;</title><item><title>x</title><link>http://127.0.0.1/x</link></item></channel></rss>"""


def warc_bytes(records: list[tuple[str, str, bytes]], gzip_it: bool = True) -> bytes:
    """A WARC of (target uri, content type, body) HTTP responses, plus a request record."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip_it)
    for uri, ctype, body in records:
        headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        record = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers,
                                           warc_headers_dict={"WARC-Date": "2026-09-15T08:30:00Z"})
        writer.write_record(record)
        writer.write_record(writer.create_warc_record(uri, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
    return out.getvalue()


@dataclass(frozen=True)
class Request:
    path: str  # with its query, as the client sent it
    start: float  # time.time() when the request line was read
    end: float  # when the answer was sent (just before its headers went out)


class Newsroom:
    def __init__(self, host: str = "127.0.0.1", latency: float = 0.0) -> None:
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.responders: dict[str, Callable[[int], tuple[int, dict[str, str], bytes]]] = {}
        self.log: list[Request] = []
        self.latency = latency  # seconds each answer takes, so that overlapping requests would show
        self._log_lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, 0), self._handler())
        self.base = f"http://{host}:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def respond(self, path: str, answer: Callable[[int], tuple[int, dict[str, str], bytes]]) -> str:
        """Serve `path` with `answer(n)`, n the 1-based count of requests for it so far."""
        self.responders[path] = answer
        return self.base + path

    def requests(self, path: str | None = None) -> list[Request]:
        """Logged requests (for `path` only, query aside), in the order they arrived."""
        with self._log_lock:
            return sorted((r for r in self.log if path is None or r.path.split("?")[0] == path), key=lambda r: r.start)

    def add(self, path: str, body: bytes | str, ctype: str = "text/html; charset=utf-8",
            status: int = 200, etag: str | None = None, **headers: str) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        all_headers = {"Content-Type": ctype, **{k.replace("_", "-"): v for k, v in headers.items()}}
        if etag:
            all_headers.update(ETag=etag, **{"Last-Modified": LAST_MODIFIED})
        self.routes[path] = (status, all_headers, data)
        return self.base + path

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                start = time.time()
                try:
                    self._answer()
                finally:
                    # `end` is taken before the last bytes go out, so the client cannot have
                    # read the answer (and sent its next request) before it
                    end = getattr(self, "sent_at", None) or time.time()
                    with site._log_lock:
                        site.log.append(Request(self.path, start, end))

            def end_headers(self):
                self.sent_at = time.time()
                super().end_headers()

            def _answer(self):
                path = self.path.split("?")[0]
                site.hits[path] += 1
                if site.latency:
                    time.sleep(site.latency)
                if path == "/slow":
                    time.sleep(3)
                if path in site.responders:
                    status, headers, body = site.responders[path](site.hits[path])
                    headers = {"Content-Type": "text/html; charset=utf-8", **headers}
                elif path not in site.routes:
                    self.send_response(404)
                    self.end_headers()
                    return
                else:
                    status, headers, body = site.routes[path]
                etag = headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    site.not_modified[path] += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def __enter__(self) -> Newsroom:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def gz(data: bytes) -> bytes:
    return gzip.compress(data)
