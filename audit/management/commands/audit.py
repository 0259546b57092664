"""`manage.py audit verify|export|prune`: the operator's view of the sealed trail.

It reaches the audit store through a sidecar (the running system's webapp sidecar, as
the apps do).
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit import prune, trail
from audit.verification import TrailBroken, verify_trail
from common.dapr.errors import DaprError


def _time_ms(text: str) -> int:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not an ISO 8601 time (2026-01-31T12:00Z)") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


class Command(BaseCommand):
    help = "Verify, export (JSON lines) or prune the audit trail."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("verify", help="check the hash chain and the signed checkpoint")
        export = actions.add_parser("export", help="records as JSON lines, oldest first")
        export.add_argument("--since", help="ISO 8601 time (inclusive)")
        export.add_argument("--until", help="ISO 8601 time (exclusive)")
        pruning = actions.add_parser("prune", help="delete records older than --before")
        pruning.add_argument(
            "--before", help="ISO 8601 time (default: now minus AUDIT_RETENTION_DAYS)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            asyncio.run(self._run(options))
        except TrailBroken as broken:
            raise CommandError(f"audit trail does NOT verify: {broken}") from broken
        except DaprError as error:
            raise CommandError(f"audit store unreachable through the sidecar: {error}") from error

    async def _run(self, options: dict[str, Any]) -> None:
        if options["action"] == "verify":
            verified = await verify_trail()
            count = verified.head.seq - verified.start.seq
            self.stdout.write(
                f"audit trail verified: {count} records, seq {verified.start.seq + 1}"
                f"..{verified.head.seq}, head hash {verified.head.hash}"
            )
        elif options["action"] == "export":
            since = _time_ms(options["since"]) if options["since"] else 0
            until = _time_ms(options["until"]) if options["until"] else 2**63
            head = await trail.read_head()
            start = trail.start_of(await trail.read_genesis())
            records = await trail.read_records(start.seq + 1, head.link.seq)
            for seq in sorted(records):
                record = records[seq]
                if record is not None and since <= record["time_ms"] < until:
                    self.stdout.write(json.dumps(record, sort_keys=True))
        else:
            before = (
                _time_ms(options["before"])
                if options["before"]
                else int(time.time() * 1000)
                - int(timedelta(days=settings.AUDIT_RETENTION_DAYS).total_seconds() * 1000)
            )
            pruned = await prune.prune_before(before)
            self.stdout.write(f"audit trail pruned: {pruned} records")
