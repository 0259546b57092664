"""The subscriber app: acknowledges each event and logs when it arrived.

    python -m bench.brokers.subscriber PORT

One line per delivery on stdout, `received <run> <seq> <unix ns>`, which the bench reads
from the supervised process's output. aiohttp's server: the lightest one already pinned.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys
import time

from aiohttp import web

from bench.brokers.sidecars import ROUTE

logger = logging.getLogger("bench.brokers.subscriber")
RECEIVED = "received"
TOKEN = web.AppKey("token", str)


async def receive(request: web.Request) -> web.Response:
    received_ns = time.time_ns()
    token = request.headers.get("dapr-api-token", "")
    if not hmac.compare_digest(token, request.app[TOKEN]):
        return web.json_response({"error": "bad dapr-api-token"}, status=401)
    event = await request.json()
    data = event["data"]
    logger.info("%s %s %d %d", RECEIVED, data["run"], data["seq"], received_ns)
    return web.json_response({"status": "SUCCESS"})


def application(token: str) -> web.Application:
    app = web.Application()
    app[TOKEN] = token
    app.router.add_post(ROUTE, receive)
    return app


def main(argv: list[str]) -> None:
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    web.run_app(
        application(os.environ["APP_API_TOKEN"]),
        host="127.0.0.1",
        port=int(argv[0]),
        print=None,
        access_log=None,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
