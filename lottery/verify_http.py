"""Reading a published draw over HTTP for the verifier: the draw, its leaves page by page or
as the one-file download. Standard library only (like verify.py, it runs with no Django)."""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import IO, Any

_MAX_PAGES = 100_000
# One decoded JSON object (a draw, a leaf, a page): what is in it is checked by the reader.
JsonObject = dict[str, Any]


class FetchError(Exception):
    """A network, HTTP or JSON problem: the draw could not be fetched."""


def fetch_json(url: str, timeout: float = 30.0) -> Any:
    """GET a URL and decode its JSON body, raising FetchError on any failure."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.load(response)
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode(errors="replace").strip()
        raise FetchError(f"HTTP {exc.code} {exc.reason} for {url} {detail}".strip()) from None
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"cannot fetch {url}: {getattr(exc, 'reason', exc)}") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise FetchError(f"invalid JSON from {url}: {exc}") from None


def fetch_leaves(base: str, game: str, date: str) -> Iterator[JsonObject]:
    """Yield the leaves page by page, following "next" until it is null."""
    url: str | None = f"{base}/api/v1/draws/{quote(game)}/{quote(date)}/leaves?limit=1000"
    seen: set[str] = set()
    while url is not None:
        if url in seen or len(seen) > _MAX_PAGES:
            raise FetchError(f"pagination loops at {url}")
        seen.add(url)
        page = fetch_json(url)
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise FetchError(f"unexpected leaves page from {url}")
        yield from page["items"]
        # A relative "next" is resolved against the page that gave it (RFC 3986 section 5).
        url = urllib.parse.urljoin(url, page["next"]) if page.get("next") else None


def fetch_leaves_file(
    base: str, game: str, date: str, timeout: float = 120.0
) -> Iterator[JsonObject] | None:
    """Download the leaves as one gzip file of JSON lines into a temporary file, and return
    an iterator over its lines (read one at a time); None when the server has none (404)."""
    url = f"{base}/api/v1/draws/{quote(game)}/{quote(date)}/leaves.ndjson.gz"
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the iterator)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            shutil.copyfileobj(response, spool, 1 << 20)
    except urllib.error.HTTPError as exc:
        spool.close()
        if exc.code == 404:
            return None  # an older server: page through the leaves instead
        raise FetchError(f"HTTP {exc.code} {exc.reason} for {url}") from None
    except (urllib.error.URLError, OSError) as exc:
        spool.close()
        raise FetchError(f"cannot fetch {url}: {getattr(exc, 'reason', exc)}") from None
    spool.seek(0)
    return _lines(spool, url)


def _lines(spool: IO[bytes], url: str) -> Iterator[JsonObject]:
    try:
        with spool, gzip.GzipFile(fileobj=spool) as lines:
            for line in lines:
                yield json.loads(line)
    except (OSError, EOFError) as exc:  # gzip errors are OSError
        raise FetchError(f"cannot read {url}: {exc}") from None
    except ValueError as exc:
        raise FetchError(f"invalid JSON line from {url}: {exc}") from None


def quote(part: str) -> str:
    """Quote one path segment."""
    return urllib.parse.quote(part, safe="")
