"""`python -m bench.scaling`: issue 14's scaling figures in one run, each half with its defaults.

First what KEDA asks for at each backlog (bench.scaling.keda_backlog), then whether fan-out
stays whole with 1, 2 and 4 sync-worker instances and what each costs (bench.scaling.fan_out).
Run either module alone to pass it options.
"""

from __future__ import annotations

from bench.scaling import fan_out, keda_backlog


def main() -> None:
    keda_backlog.main([])
    fan_out.main([])


if __name__ == "__main__":
    main()
