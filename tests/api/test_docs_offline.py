"""/docs and /redoc work without internet access: every asset they load is served by qbdsync.

The pages are parsed as a browser would read them (every src and href, Swagger UI's spec url),
and each referenced URL is fetched from the live server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx
import pytest

from tests.api.helpers import serving
from tests.conftest import LiveServer

CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".json": ("application/json",),
}


class _References(HTMLParser):
    """Every URL a page loads: src/href attributes and ReDoc's spec-url."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "spec-url") and value:
                self.urls.append(value)


def _references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    # Swagger UI's document URL is in its inline script: `url: '/openapi.json'`.
    parser.urls += re.findall(r"""\burl:\s*['"]([^'"]+)['"]""", html)
    return parser.urls


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = tmp_path_factory.mktemp("docs") / "qbdsync.db"
    with serving(f"sqlite:///{db}", webhook_poll_seconds=3600) as live:
        yield live


@pytest.mark.parametrize(
    ("page", "script"),
    [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")],
)
def test_docs_pages_load_only_what_qbdsync_serves(
    server: LiveServer, page: str, script: str
) -> None:
    answer = httpx.get(f"{server.url}{page}", timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    urls = _references(answer.text)
    assert any(u.endswith(script) for u in urls), urls
    assert any(u.endswith("/openapi.json") for u in urls), urls
    assert "validator.swagger.io" not in answer.text  # Swagger UI's online validator badge
    assert "fonts.googleapis.com" not in answer.text
    for url in urls:
        # Relative to this server: no scheme, no host (a CDN would be "https://…" or "//…").
        assert url.startswith("/") and not url.startswith("//"), url
        asset = httpx.get(urljoin(f"{server.url}{page}", url), timeout=30)
        assert asset.status_code == 200, url
        suffix = url[url.rfind(".") :]
        kind = asset.headers["content-type"].split(";")[0]
        assert kind in CONTENT_TYPES[suffix], (url, kind)
        assert len(asset.content) > 1000, url


def test_the_assets_are_the_real_bundles(server: LiveServer) -> None:
    swagger = httpx.get(f"{server.url}/docs/assets/swagger-ui-bundle.js", timeout=30)
    assert swagger.status_code == 200
    assert b"SwaggerUIBundle" in swagger.content
    redoc = httpx.get(f"{server.url}/docs/assets/redoc.standalone.js", timeout=30)
    assert redoc.status_code == 200
    assert b"Redoc" in redoc.content


def test_a_missing_asset_is_a_404(server: LiveServer) -> None:
    answer = httpx.get(f"{server.url}/docs/assets/nope.js", timeout=30)
    assert answer.status_code == 404
