"""A local mail sink: a real SMTP server that keeps every message it receives.

    python -m devtools.mailsink serve --port 8425 --dir .runtime/local/mail
    python -m devtools.mailsink list [--dir DIR]

Each message is stored as an .eml file with a line in index.json (arrival time, envelope,
subject), so tests and people can see what the smtp binding sent. Recipients in the domain
`reject.invalid` are refused with 550, the way a real server refuses an unknown mailbox.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

INDEX = "index.json"
REJECTED_DOMAIN = "reject.invalid"

Message = dict[str, Any]


def read_index(directory: Path) -> list[Message]:
    """Every message received so far, oldest first (empty when none or no sink yet)."""
    try:
        return list(json.loads((directory / INDEX).read_text()))
    except FileNotFoundError:
        return []


def wait_for_messages(
    directory: Path, matches: Callable[[Message], bool], count: int = 1, timeout: float = 30.0
) -> list[Message]:
    """Polls the index until `count` messages match; raises TimeoutError with what arrived."""
    deadline = time.monotonic() + timeout
    while True:
        found = [message for message in read_index(directory) if matches(message)]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{len(found)} of {count} expected messages in {directory} after {timeout} s; "
                f"all subjects: {[m['subject'] for m in read_index(directory)]}"
            )
        time.sleep(0.05)


class Store:
    """Writes each message and rewrites the index atomically (one writer: the sink)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.messages = read_index(directory)

    def add(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> Message:
        received_at = datetime.now(UTC)
        parsed = BytesParser(policy=default_policy).parsebytes(content)
        name = f"{len(self.messages) + 1:06d}-{received_at.strftime('%Y%m%dT%H%M%S%f')}.eml"
        (self.directory / name).write_bytes(content)
        message = {
            "file": name,
            "received_at": received_at.isoformat(),
            "mail_from": mail_from,
            "rcpt_tos": rcpt_tos,
            "to": str(parsed.get("To", "")),
            "subject": str(parsed.get("Subject", "")),
        }
        self.messages.append(message)
        temporary = self.directory / f".{INDEX}.tmp"
        temporary.write_text(json.dumps(self.messages, indent=1))
        os.replace(temporary, self.directory / INDEX)
        return message


class Handler:
    """aiosmtpd handler: refuse the rejected domain, store everything else."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def handle_RCPT(  # aiosmtpd hook name
        self, server: object, session: object, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower().endswith("@" + REJECTED_DOMAIN):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # aiosmtpd hook name
        self, server: object, session: object, envelope: Any
    ) -> str:
        message = self.store.add(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        print(json.dumps({"message": "mail received", **message}), flush=True)
        return "250 Message accepted for delivery"


async def serve(port: int, directory: Path) -> None:
    from aiosmtpd.smtp import SMTP  # imported here: only the server needs it

    handler = Handler(Store(directory))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="mailsink.local"), "127.0.0.1", port
    )
    stopped = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    print(json.dumps({"message": "mail sink listening", "port": port}), flush=True)
    async with server:
        await stopped.wait()


def local_mail_dir() -> Path:
    from devtools.topology import local_topology

    return local_topology().state_dir / "mail"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.mailsink", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the SMTP sink")
    serve_parser.add_argument("--port", type=int, required=True)
    serve_parser.add_argument("--dir", type=Path, required=True)
    list_parser = commands.add_parser("list", help="print what arrived, oldest first")
    list_parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.command == "serve":
        asyncio.run(serve(args.port, args.dir))
        return 0
    directory = args.dir or local_mail_dir()
    messages = read_index(directory)
    for message in messages:
        recipients = ", ".join(message["rcpt_tos"])
        print(f"{message['received_at']}  {recipients}  {message['subject']}")
        print(f"    {directory / message['file']}")
    print(f"{len(messages)} message(s) in {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
