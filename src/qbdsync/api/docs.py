"""Interactive API docs (/docs with Swagger UI, /redoc with ReDoc) served without a CDN.

FastAPI's default pages load their JavaScript and CSS from a CDN, so they are blank on a server
without internet access (common for a self-hosted sync next to QuickBooks). The assets come from
the fastapi-offline package, which ships current Swagger UI and ReDoc builds; they are served
from its package directory under ASSETS_PATH.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
ASSETS_PATH = "/docs/assets"

# Swagger UI would otherwise send the document to validator.swagger.io for its badge.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}


def _assets_directory() -> Path:
    directory = Path(str(files("fastapi_offline") / "static"))
    if not (directory / "swagger-ui-bundle.js").is_file():
        raise RuntimeError(f"Swagger UI assets are missing from {directory}")
    return directory


def install(app: FastAPI) -> None:
    """Add /docs, /redoc and their assets; create the app with docs_url=None, redoc_url=None."""
    app.mount(ASSETS_PATH, StaticFiles(directory=_assets_directory()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    def _root(request: Request) -> str:
        # Behind a proxy that mounts qbdsync under a prefix, links must carry the prefix.
        return str(request.scope.get("root_path", ""))

    @app.get(DOCS_PATH, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} API",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )

    @app.get(REDOC_PATH, include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} API",
            redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
