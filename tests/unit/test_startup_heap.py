"""Each service's ASGI module leaves its startup heap frozen, out of the collector's way."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref

import pytest

from common.startup_heap import freeze_startup_heap
from devtools.topology import REPO_ROOT


@pytest.mark.parametrize("service", ["webapp", "sync_worker", "bindings_worker"])
def test_asgi_module_freezes_the_startup_heap(service: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"import gc, {service}.asgi; print(gc.get_freeze_count())"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "webapp.settings.test",
            "DAPR_TODO_SERVICE": service,
            "CHANNEL_REDIS_URL": "redis://127.0.0.1:1/0",
        },
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert int(result.stdout) > 10_000


def test_garbage_is_collected_before_the_heap_is_frozen() -> None:
    class Cycle:
        def __init__(self) -> None:
            self.me = self

    garbage = weakref.ref(Cycle())  # unreachable at once, freed only by a collection
    try:
        freeze_startup_heap()
        assert garbage() is None
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
