"""Which broker carries the `pubsub` component, chosen by configuration alone.

The apps publish and subscribe through Dapr by component name (`pubsub`) and never learn
which broker is behind it: the choice is which directory of components/brokers/ the
sidecars load beside components/ (on Kubernetes, the chart's `pubsub.broker` value).

RabbitMQ is the default: a broker of its own keeps events flowing while Redis (state) is
down or loading, and vice versa (docs/design.md#the-pubsub-broker). `outbox-pubsub` stays
on Redis in both cases: it is written in the same step as the state it announces.
"""

from __future__ import annotations

import os
from pathlib import Path

# The variable the run command and the tests read; the chart's value is pubsub.broker.
ENVIRONMENT_VARIABLE = "DAPR_TODO_BROKER"
BROKERS = ("rabbitmq", "redis")
DEFAULT = "rabbitmq"
BROKERS_DIR = Path(__file__).resolve().parent.parent / "components" / "brokers"


def checked(broker: str) -> str:
    """`broker` if it is one of BROKERS; else a ValueError naming the choices."""
    if broker not in BROKERS:
        raise ValueError(f"unknown broker {broker!r}: choose one of {', '.join(BROKERS)}")
    return broker


def from_environment() -> str:
    """DAPR_TODO_BROKER, or the default when it is unset or empty."""
    return checked(os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT)


def components_dir(broker: str) -> Path:
    """The directory with `broker`'s `pubsub` component, loaded beside components/."""
    return BROKERS_DIR / checked(broker)
