"""What reached a running system's broker on a topic, read beside the sidecars.

On Redis the topic is a stream, read back whole. On RabbitMQ a topic is a fanout exchange
whose queues the subscribers drain at once, so a witness queue of the test's own is bound
to it first and holds a copy of everything published from then on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import pika

from devtools import commands
from tests.conftest import RunningSystem
from tests.integration.redis_access import system_redis

AMQP_TIMEOUT_SECONDS = 10


class Witness(Protocol):
    def holds(self, event_id: str) -> bool:
        """Whether an event naming `event_id` reached the topic since the witness began."""
        ...


class StreamWitness:
    def __init__(self, system: RunningSystem, topic: str) -> None:
        self.system, self.topic = system, topic

    def holds(self, event_id: str) -> bool:
        redis = system_redis(self.system.topology, decode_responses=True)
        try:
            return event_id in repr(redis.xrange(self.topic))
        finally:
            redis.close()


class QueueWitness:
    def __init__(self, channel: pika.adapters.blocking_connection.BlockingChannel, queue: str):
        self.channel, self.queue = channel, queue
        self.seen: list[bytes] = []

    def holds(self, event_id: str) -> bool:
        while True:
            _method, _properties, body = self.channel.basic_get(self.queue, auto_ack=True)
            if body is None:
                break
            self.seen.append(body)
        return any(event_id.encode() in body for body in self.seen)


def consumers(system: RunningSystem, queue: str) -> int:
    """How many consumers RabbitMQ counts on `queue` (a passive declare: it creates none)."""
    connection = pika.BlockingConnection(amqp_parameters(system))
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.consumer_count)
    finally:
        connection.close()


def amqp_parameters(system: RunningSystem) -> pika.URLParameters:
    parameters = pika.URLParameters(commands.rabbitmq_url(system.topology))
    parameters.socket_timeout = parameters.blocked_connection_timeout = AMQP_TIMEOUT_SECONDS
    return parameters


@contextmanager
def witness(system: RunningSystem, topic: str) -> Iterator[Witness]:
    """A witness of `topic` on the system's broker, from now until the block ends."""
    if system.topology.broker == "redis":
        yield StreamWitness(system, topic)
        return
    connection = pika.BlockingConnection(amqp_parameters(system))
    try:
        channel = connection.channel()
        # As pubsub.rabbitmq declares it (a durable fanout exchange named after the topic).
        channel.exchange_declare(topic, exchange_type="fanout", durable=True)
        queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
        channel.queue_bind(queue, topic)
        yield QueueWitness(channel, queue)
    finally:
        connection.close()
