"""Publishing user events (common/user_events.py) on `user-events` through the sidecar."""

from __future__ import annotations

from common import backends
from common.dapr_names import USER_EVENTS_TOPIC, WEBAPP_APP_ID
from common.user_events import PREFERENCES_CHANGED, UserEvent


async def publish_preferences_changed(owner: int) -> UserEvent:
    """Tells `owner`'s open tabs that their preferences changed; raises DaprError."""
    event = UserEvent.new(PREFERENCES_CHANGED, owner)
    await backends.publish().publish_cloudevent(
        USER_EVENTS_TOPIC, event.id, event.type, WEBAPP_APP_ID, event.to_data()
    )
    return event
