"""Publishing user events (common/user_events.py) on `user-events` through the sidecar."""

from __future__ import annotations

from django.conf import settings

from common.dapr_names import USER_EVENTS_TOPIC, WEBAPP_APP_ID
from common.publish import publish_cloudevent
from common.user_events import PREFERENCES_CHANGED, UserEvent


async def publish_preferences_changed(owner: int) -> UserEvent | None:
    """Tells `owner`'s open tabs that their preferences changed; raises PublishError."""
    if settings.TODO_BACKEND == "direct":
        return None  # the benchmark baseline has no pub/sub and hands over task events only
    event = UserEvent.new(PREFERENCES_CHANGED, owner)
    await publish_cloudevent(
        USER_EVENTS_TOPIC, event.id, event.type, WEBAPP_APP_ID, event.to_data()
    )
    return event
