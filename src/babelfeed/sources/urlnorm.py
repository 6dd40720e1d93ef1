"""One URL, one article: the form of a URL that the ledger, the limiter and robots.txt key on.

The same article reaches a run from a feed (`?utm_source=rss`), a sitemap (`HTTPS://Site:443/a`)
and a link (`/a#comments`); looked up as written it would be fetched three times and stored as
three articles. `normalize_url` removes only what never names another resource: the case of
the scheme and host, a default port, the fragment, and tracking parameters (utm_* and the
click ids of the big ad platforms). Everything else is kept byte for byte.

courlan's `normalize_url` was read and not used: it drops query keys without a value
(`/article?1234` and `/article?5678` both become `/article`, two articles made one),
percent-encodes reserved characters of the path (`/a+b` is sent as `/a%2Bb`, which a server
may treat as another resource), and its tracker pattern removes any parameter named like
`source` or `ref...`, which some sites use to name the article.
"""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}

#: Click and campaign ids that ad and mail platforms append; `utm_*` is matched by prefix.
TRACKING_PARAMETERS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
    "ttclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok",
    "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "__s", "s_cid", "ocid", "cmpid",
})


def is_tracking(key: str) -> bool:
    name = unquote_plus(key).strip().lower()
    return name.startswith("utm_") or name in TRACKING_PARAMETERS


def normalize_url(url: str) -> str:
    """The URL as the ledger knows it; a URL that is not http(s) comes back as given."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number: the fetch rejects it as a bad URL
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    query = "&".join(pair for pair in parts.query.split("&") if pair and not is_tracking(pair.split("=", 1)[0]))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def host_key(url: str) -> str:
    """`host:port` of a URL (the port made explicit): what one server's politeness is kept for."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = 0
    return f"{(parts.hostname or '').lower()}:{port}"


def origin(url: str) -> str:
    """`scheme://host[:port]`: the robots.txt of a URL is `origin(url) + "/robots.txt"`."""
    normal = urlsplit(normalize_url(url))
    return f"{normal.scheme}://{normal.netloc.rpartition('@')[2]}"
