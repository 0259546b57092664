"""Issue 15's broker comparison: Redis Streams, RabbitMQ and NATS JetStream behind real daprd.

Each broker runs on 127.0.0.1 with its own data directory, persistence on and a secret,
beside two sidecars (a publisher, and a subscriber with a minimal app); the bench drives
publishes through the publisher's sidecar and reads the app's receipts. `python -m
bench.brokers --help` lists the arguments; docs/benchmarks.md#pubsub-brokers has figures.
"""
