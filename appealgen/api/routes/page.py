"""The upload page at `/`: one server-rendered HTML page plus static JS and CSS, no build step."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from string import Template

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from appealgen import __version__
from appealgen.api.deps import SettingsDep

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
router = APIRouter(include_in_schema=False)


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


@router.get("/", response_class=HTMLResponse)
def upload_page(settings: SettingsDep) -> HTMLResponse:
    """The upload page."""
    max_mb = settings.parse.max_bytes / (1024 * 1024)
    page = _template("index.html").substitute(
        version=html.escape(__version__),
        max_bytes=str(settings.parse.max_bytes),
        max_mb=f"{max_mb:g}",
    )
    # The page holds no data of its own; results arrive through the API with the user's key.
    return HTMLResponse(
        page,
        headers={
            "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'none'"
        },
    )
