"""The pages' files: compressed, and cached by browsers in a way an upgrade can't break.

HTML is revalidated on every visit (`no-cache`: the browser keeps it but asks with its
ETag, and gets a bodiless 304 when nothing changed), so a new release is seen at once;
scripts, styles and images are kept for an hour, which is as stale as they can get
behind a new page. Text files are gzip-compressed for clients that accept it.
"""

from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope

PAGE_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=3600"
# Below this size compressing costs more than it saves.
GZIP_MINIMUM_BYTES = 500


class CachedStaticFiles(StaticFiles):
    """StaticFiles with a Cache-Control header on every file it answers with."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            media_type = response.headers.get("content-type", "")
            page = media_type.startswith("text/html")
            response.headers["Cache-Control"] = PAGE_CACHE if page else ASSET_CACHE
        return response


def static_site(directory: Path) -> ASGIApp:
    """The pages under `directory` (index.html at /), cached and compressed."""
    files = CachedStaticFiles(directory=directory, html=True)
    return GZipMiddleware(files, minimum_size=GZIP_MINIMUM_BYTES)
