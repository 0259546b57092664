"""A Django session engine on the Dapr state store, so any webapp instance serves any request.

SESSION_ENGINE = "webapp.sessions". Sessions expire through the store's TTL.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from common.dapr import state
from common.dapr_names import STATE_STORE

KEY_PREFIX = "session-"


def state_key(session_key: str) -> str:
    """The state key of a session: a hash, because Dapr names its spans and logs after state
    keys, and a session key read from a trace would sign its reader in."""
    return KEY_PREFIX + hashlib.sha256(session_key.encode()).hexdigest()


class SessionStore(SessionBase):
    def _key(self, session_key: str) -> str:
        return state_key(session_key)

    def load(self) -> dict[str, Any]:
        item = (
            state.get_item_sync(STATE_STORE, self._key(self.session_key))
            if self.session_key
            else None
        )
        return self._loaded(item)

    async def aload(self) -> dict[str, Any]:
        """What request.auser() reads: natively async, so it costs no worker-thread hop."""
        item = (
            await state.get_item(STATE_STORE, self._key(self.session_key))
            if self.session_key
            else None
        )
        return self._loaded(item)

    def _loaded(self, item: state.StateItem | None) -> dict[str, Any]:
        if item is None:
            self._session_key = None
            return {}
        return self.decode(item.value)

    def exists(self, session_key: str) -> bool:
        return state.get_item_sync(STATE_STORE, self._key(session_key)) is not None

    def create(self) -> None:
        # _get_new_session_key() skips keys that exist; with 190 random bits a race
        # between two new sessions on one key is not worth a compare-and-set.
        # django-stubs leaves out SessionBase's private helpers (this one and _get_session).
        self._session_key = self._get_new_session_key()  # type: ignore[attr-defined]
        self.save(must_create=True)
        self.modified = True

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        state.save_item_sync_last_write(
            STATE_STORE, self._key(self.session_key), self.encode(data), self.get_expiry_age()
        )
        return None

    def delete(self, session_key: str | None = None) -> None:
        key = session_key or self.session_key
        if key:
            state.delete_item_sync(STATE_STORE, self._key(key))

    @classmethod
    def clear_expired(cls) -> None:
        """Nothing to do: the state store's TTL removes expired sessions."""
