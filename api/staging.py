"""Uploads waiting between their preview and their confirmation, held in memory for a short while."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a type only: the server should not import the ingest pipeline to start
    from ingest.pipeline import Preview

#: Previews kept at once (the oldest goes first), and how long one waits for its confirmation.
KEEP = 4
SECONDS = 30 * 60


@dataclass(frozen=True)
class Staged:
    """An upload as previewed: its bytes, its mapping, the graph version and what the preview found."""

    token: str
    key_id: str
    name: str
    content: bytes
    mapping: tuple[str, bytes] | None
    version: tuple[int, int]
    preview: Preview
    made: float = field(default_factory=time.monotonic)


class Staging:
    """Previewed uploads by token; a token is good once, for its own key, until it expires."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Staged] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, **fields: Any) -> Staged:
        """Hold an upload and return it with its new token."""
        staged = Staged(token=secrets.token_urlsafe(24), **fields)
        with self._lock:
            self._items[staged.token] = staged
            while len(self._items) > KEEP:
                self._items.popitem(last=False)
        return staged

    def take(self, token: str, key_id: str) -> Staged | None:
        """The upload for a token made by this key, removed; None when unknown, expired or another's."""
        with self._lock:
            staged = self._items.get(token)
            if staged is None or staged.key_id != key_id or time.monotonic() - staged.made > SECONDS:
                return None
            return self._items.pop(token)
