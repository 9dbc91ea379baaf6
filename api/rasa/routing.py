"""Which Rasa process serves which resident, and where the processes are now.

Rasa keeps one conversation's lock in the memory of one process, so two processes
must never work on one conversation. Every resident is therefore served by one
shard, chosen by a stable hash of the sender id (the same on every host and after
every restart, unlike Python's salted `hash`). Each shard index maps to the URL of
the process serving it now; promotion replaces a shard's process and changes its
URL, never the number of shards, so no resident moves to another shard.

The launcher writes the table to a small JSON file (atomically) and the app reads
it again whenever the file changes: the one source of truth on a host. Without a
file (tests, or Rasa on other machines) the table comes from the settings.
"""

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from api.settings import Settings


def shard_of(sender: str, shards: int) -> int:
    """The shard index (0 … shards-1) that serves this sender, always the same one."""
    if shards < 1:
        raise ValueError("there must be at least one shard")
    digest = hashlib.blake2b(sender.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


@dataclass(frozen=True)
class RouteTable:
    """The URL serving each shard, and where the launcher takes promotions (if it runs)."""

    urls: tuple[str, ...]
    control_url: str = ""

    def __post_init__(self) -> None:
        if not self.urls:
            raise ValueError("a route table needs at least one Rasa URL")

    def url_for(self, sender: str) -> str:
        """The Rasa URL of this sender's shard."""
        return self.urls[shard_of(sender, len(self.urls))]

    @classmethod
    def from_list(cls, urls: str, fallback: str) -> "RouteTable":
        """From a comma-separated list of URLs (RASA_URLS), or the one fallback URL."""
        listed = tuple(url.strip().rstrip("/") for url in urls.split(",") if url.strip())
        return cls(listed or (fallback.rstrip("/"),))


def write_routes(path: Path, table: RouteTable) -> None:
    """Replace the file in one step: a reader sees the old table or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"urls": list(table.urls), "control_url": table.control_url})
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".routes-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(body)
        os.chmod(temporary, 0o600)  # the control URL is only for this host's operators
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_routes(path: Path) -> RouteTable:
    """The table in the file; OSError or ValueError if it is missing or malformed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    urls = data.get("urls")
    if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
        raise ValueError(f"{path}: urls must be a list of strings")
    return RouteTable(tuple(urls), str(data.get("control_url") or ""))


class RouteSource:
    """The current route table: from the file when there is one, else a fixed table.

    `current()` costs one `stat` while the file is unchanged, so it can be asked on
    every message. A file that vanishes or is unreadable keeps the last good table.
    """

    def __init__(self, path: Path | None, fallback: RouteTable) -> None:
        self._path = path
        self._table = fallback
        self._seen: tuple[int, int] | None = None

    def current(self) -> RouteTable:
        """The table to route by now."""
        if self._path is None:
            return self._table
        try:
            stat = self._path.stat()
            stamp = (stat.st_mtime_ns, stat.st_ino)
            if stamp != self._seen:
                self._table, self._seen = read_routes(self._path), stamp
        except (OSError, ValueError):
            pass
        return self._table


def rasa_routes(settings: Settings) -> RouteSource:
    """Where the app finds Rasa: the launcher's file, else RASA_URLS, else RASA_HOST:PORT."""
    return RouteSource(
        settings.rasa_routes_file, RouteTable.from_list(settings.rasa_urls, settings.rasa_url)
    )
