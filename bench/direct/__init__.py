"""The benchmark's no-Dapr baseline: the task path's state, lock and publish backends
(common/backends.py) on Redis directly, selected only by bench/comparison.py.

It mirrors what the Dapr state store does (a hash per key with `data` and a `version` used
as the ETag) so the views and services run unchanged; publishing hands a live task event
straight to sync_worker's delivery in the publishing process, which pushes through
Channels, instead of through pub/sub.
"""

from __future__ import annotations

# What bench/comparison.py sets in every service's environment to select this baseline.
SETTINGS = {
    "STATE_BACKEND": "bench.direct.state",
    "LOCK_BACKEND": "bench.direct.lock",
    "PUBLISH_BACKEND": "bench.direct.publish",
}
