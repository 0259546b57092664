"""Each service's ASGI module leaves its startup heap frozen, out of the collector's way."""

from __future__ import annotations

import gc
import weakref

import pytest

from common.startup_heap import freeze_startup_heap
from tests.unit.service_process import service_python


@pytest.mark.parametrize("service", ["webapp", "sync_worker", "bindings_worker"])
def test_asgi_module_freezes_the_startup_heap(service: str) -> None:
    code = f"import gc, {service}.asgi; print(gc.get_freeze_count())"
    frozen = service_python(code, service, DJANGO_SETTINGS_MODULE="config.settings.test")
    assert int(frozen) > 10_000


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
