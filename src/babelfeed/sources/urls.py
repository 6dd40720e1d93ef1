"""Web pages named by URL: fetched conditionally, dispatched by what they turn out to be."""

from __future__ import annotations

import gzip
import hashlib
import io
from datetime import UTC, datetime

import httpx

from babelfeed.article import LedgerEntry, Reject, RejectReason, SourceItem, SourceRef
from babelfeed.sources import jsonl, warc
from babelfeed.sources.http import FetchError, HttpPolicy, fetch
from babelfeed.sources.reading import Reading
from babelfeed.sources.urlnorm import normalize_url


def validators(etag: str | None, last_modified: str | None) -> str:
    """The ledger fingerprint of a URL: the validators to send next time."""
    return f"etag={etag or ''}|last-modified={last_modified or ''}"


def parse_validators(fingerprint: str) -> tuple[str | None, str | None]:
    fields = dict(part.split("=", 1) for part in fingerprint.split("|") if "=" in part)
    return fields.get("etag") or None, fields.get("last-modified") or None


def url_refs(urls: list[str]) -> list[SourceRef]:
    """Refs of URLs named by the user, normalised (`urlnorm`) so that an article reached by a
    link, a feed and a sitemap is one input."""
    now = datetime.now(UTC)
    normal = dict.fromkeys(normalize_url(u) for u in urls)
    return [SourceRef(uri=u, location=u, fingerprint="", observed_at=now, kind="url") for u in normal]


def read_url(ref: SourceRef, client: httpx.Client, policy: HttpPolicy, known: LedgerEntry | None) -> Reading:
    """Fetch one URL, conditionally when the ledger has its validators."""
    etag, last_modified = parse_validators(known.fingerprint) if known else (None, None)
    try:
        got = fetch(client, ref.location, policy, etag, last_modified)
    except FetchError as exc:
        return Reading([Reject(ref.uri, exc.reason, str(exc), ref.observed_at, "fetch")], None, ref.fingerprint)
    fingerprint = validators(got.etag, got.last_modified)
    if got.not_modified:
        return Reading([], known.content_hash if known else None, fingerprint, unchanged=True)
    digest = hashlib.sha256(got.content).hexdigest()
    if known and known.content_hash == digest:
        return Reading([], digest, fingerprint, unchanged=True)
    media = (got.content_type or "").split(";")[0].strip().lower()
    path = got.url.split("?")[0].lower()
    observed = datetime.now(UTC)
    if media == "application/warc" or path.endswith((".warc", ".warc.gz")):
        items = list(warc.records(io.BytesIO(got.content), ref.uri, observed, policy.max_bytes))
        return Reading(items, digest, fingerprint, container=True)
    if path.endswith((".jsonl", ".jsonl.gz")) or media in ("application/jsonl", "application/x-ndjson"):
        raw = io.BytesIO(got.content)
        stream = gzip.GzipFile(fileobj=raw) if got.content[:2] == b"\x1f\x8b" else raw
        items = list(jsonl.records(stream, ref.uri, observed, policy.max_bytes))
        return Reading(items, digest, fingerprint, container=True)
    if not got.content.strip():
        return Reading([Reject(ref.uri, RejectReason.EMPTY, f"{got.url} answered with an empty body",
                               observed, "fetch", digest)], digest, fingerprint)
    item = SourceItem(
        uri=ref.uri, kind="url", content=got.content, observed_at=observed,
        media_type="text/plain" if media == "text/plain" else "text/html",
        url=got.url, charset=got.charset, title=ref.title, published_at=ref.published_at, language=ref.language,
    )
    return Reading([item], digest, fingerprint)
