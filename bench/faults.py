"""Each fault of the fault-injection suite (tests/integration/test_faults.py) on a freshly
started system, as a table: acknowledged writes, lost, not delivered, failed writes by
status, the longest write outage, and whether it recovered by itself. On RabbitMQ, a
kill -9 of the broker too (as test_faults' broker test).

    .venv/bin/python -m bench.faults [--broker rabbitmq|redis] [--only redis]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from devtools import brokers
from devtools.supervise import ProcessGroup
from devtools.system import start_system
from devtools.topology import REPO_ROOT, free_topology
from tests.conftest import TEST_SETTINGS, RunningSystem
from tests.integration.faults import Fault, Outcome, run
from tests.integration.test_faults import FAULTS

APP_ENV = {"LOG_LEVEL": "WARNING"}


def table(outcomes: list[Outcome]) -> str:
    header = (
        f"{'fault':28}{'acked':>7}{'lost':>6}{'undelivered':>13}{'outage (s)':>12}"
        f"{'recovered':>11}  failed writes"
    )
    rows = [
        f"{o.fault:28}{o.acknowledged:>7}{o.lost:>6}{o.not_delivered:>13}"
        f"{o.outage_seconds:>12.1f}{'yes' if o.recovered else 'NO':>11}  {o.failed_text}"
        for o in outcomes
    ]
    return "\n".join([header, *rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--broker", choices=brokers.BROKERS, default=brokers.DEFAULT)
    parser.add_argument("--only", help="run only the faults whose name contains this")
    args = parser.parse_args()
    # The suite already kills Redis; a dedicated broker's own kill -9 is added.
    in_suite = any(fault.process == args.broker for fault in FAULTS)
    broker_fault = [] if in_suite else [Fault(args.broker)]
    faults = [f for f in [*FAULTS, *broker_fault] if not args.only or args.only in f.name]
    with tempfile.TemporaryDirectory() as state:
        topology = free_topology(Path(state), args.broker)
        with ProcessGroup(Path(state) / "logs", REPO_ROOT) as group:
            start_system(group, topology, TEST_SETTINGS, APP_ENV)
            system = RunningSystem(topology, group, APP_ENV)
            outcomes = []
            for fault in faults:
                outcomes.append(run(system, fault))
                print(table(outcomes[-1:]).splitlines()[1], flush=True)
    print()
    print(table(outcomes))


if __name__ == "__main__":
    main()
