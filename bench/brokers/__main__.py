"""`python -m bench.brokers`: the broker comparison of docs/benchmarks.md#pubsub-brokers.

    .venv/bin/python -m bench.brokers [--brokers redis rabbitmq jetstream] [--rates 30 100]
        [--seconds 20] [--recovery-rate 30] [--recovery-seconds 30] [--kill-after 5]

Per broker, a fresh system in a temp dir: its RSS at rest, then each rate for `seconds`
(latency p50/p99, CPU of broker and both sidecars per change), then recovery: a kill -9
of the broker `kill-after` seconds into a run at `recovery-rate`, restarted at once.
JetStream needs nats-py (pyproject's test extra) to create its stream.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, fields
from pathlib import Path

from bench.brokers.measure import Recovery, Steady, recovery, steady, warm_up
from bench.brokers.servers import BROKERS
from bench.brokers.sidecars import DAPRD
from bench.brokers.system import System, at_rest_rss_mb, running


@dataclass(frozen=True)
class BrokerResult:
    broker: str
    rss_mb: float
    steady: list[Steady]
    recovery: Recovery | None


async def measure(system: System, args: argparse.Namespace) -> BrokerResult:
    await warm_up(system)
    rss = at_rest_rss_mb(system)
    results = [await steady(system, rate, args.seconds) for rate in args.rates]
    fault = None
    if args.recovery_seconds > 0:
        fault = await recovery(system, args.recovery_rate, args.recovery_seconds, args.kill_after)
    return BrokerResult(system.broker.name, rss, results, fault)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:12.1f}" if abs(value) >= 10 else f"{value:12.2f}"
    return f"{value!s:>12}"


def report(results: list[BrokerResult]) -> None:
    print(f"{'':34}" + "".join(f"{r.broker:>12}" for r in results))
    print(f"{'broker RSS at rest (MB)':34}" + "".join(_cell(r.rss_mb) for r in results))
    for k, first in enumerate(results[0].steady):
        for field in fields(Steady)[1:]:
            label = f"{first.rate:g}/s {field.name}"
            print(f"{label:34}" + "".join(_cell(getattr(r.steady[k], field.name)) for r in results))
    faults = [r.recovery for r in results if r.recovery is not None]
    if len(faults) == len(results):
        for field in fields(Recovery):
            label = f"kill -9 {field.name}"
            print(f"{label:34}" + "".join(_cell(getattr(f, field.name)) for f in faults))


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.brokers", description=__doc__)
    parser.add_argument("--brokers", nargs="+", choices=list(BROKERS), default=list(BROKERS))
    parser.add_argument("--rates", nargs="+", type=float, default=[30.0, 100.0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--recovery-rate", type=float, default=30.0)
    parser.add_argument("--recovery-seconds", type=float, default=30.0, help="0: no kill")
    parser.add_argument("--kill-after", type=float, default=5.0)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (logs)")
    parser.add_argument(
        "--daprd", type=Path, default=DAPRD, help="another daprd, e.g. with a patched component"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> list[BrokerResult]:
    args = parse(argv)
    results = []
    for name in args.brokers:
        with ExitStack() as stack:
            if args.keep is None:
                root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
            else:
                root = args.keep / name
            system = stack.enter_context(running(name, root, args.daprd))
            results.append(asyncio.run(measure(system, args)))
    report(results)
    return results


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
