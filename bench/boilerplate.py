"""SC-004, counted: the distributed-systems code the no-Dapr baseline needs against the Dapr
side's, per concern, and what moving `pubsub` from Redis to RabbitMQ cost in code.

    .venv/bin/python -m bench.boilerplate [--base dd3fe1f]

The concerns and the definitions that serve each are named in bench/boilerplate_concerns.py;
the counting rules are bench/loc.py's and docs/benchmarks.md#sc-004-boilerplate's. The swap
cost is `git diff --numstat <base> HEAD` by part of the tree; `--base` is the commit before
the broker work (issue 15). Prints Markdown tables, for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bench import boilerplate_concerns as concerns
from bench.loc import MissingName, python_lines, top_level_names, yaml_rows
from bench.loc import YamlSelection as Yaml
from devtools.topology import REPO_ROOT

# The last commit before issue 15's broker work.
DEFAULT_BASE = "dd3fe1f"
# Where a path's changes count: production code, the tools around it, the runtime, or none.
PRODUCTION = (
    "webapp/",
    "sync_worker/",
    "bindings_worker/",
    "common/",
    "audit/",
    "config/",
    "task_fragments/",
    "manage.py",
)
TOOLING = ("devtools/", "tests/", "bench/")
# This count's own files: part of issue 15's work, but not of what the swap cost.
SELF = (
    "bench/boilerplate.py",
    "bench/boilerplate_concerns.py",
    "bench/loc.py",
    "tests/unit/bench/",
)
# The Go module that builds daprd (and the control plane): code, but not the product's.
RUNTIME = ("dapr_runtime/", "k8s_runtime/")
PARTS = ("production code", "devtools, tests, bench", "runtime build (Go)", "YAML, setup, docs")


@dataclass(frozen=True)
class Count:
    concern: concerns.Concern
    baseline: int
    dapr: int
    yaml: int


def count_concerns() -> list[Count]:
    """Each concern's lines; raises MissingName when a named definition, YAML node or
    module is gone, or a definition is in no concern or in two, or a YAML line in two."""
    check_coverage()
    claimed: dict[tuple[str, int], str] = {}
    counts = []
    for concern in concerns.CONCERNS:
        rows: set[tuple[str, int]] = set()
        for selection in concern.yaml:
            rows |= yaml_rows(REPO_ROOT, selection)
        for row in rows:
            if row in claimed:
                raise MissingName(f"{row} is counted for {claimed[row]} and {concern.title}")
            claimed[row] = concern.title
        counts.append(Count(concern, _lines(concern.baseline), _lines(concern.dapr), len(rows)))
    return counts


def _lines(names: Iterable[str]) -> int:
    return sum(python_lines(REPO_ROOT, name) for name in names)


def check_coverage() -> None:
    """Every top-level definition of the counted modules is in one concern, or ignored."""
    problems = []
    for side, modules in (("baseline", concerns.BASELINE_MODULES), ("dapr", concerns.DAPR_MODULES)):
        mapped = [name for concern in concerns.CONCERNS for name in getattr(concern, side)]
        twice = {name for name in mapped if mapped.count(name) > 1}
        defined = set().union(*(top_level_names(REPO_ROOT, module) for module in modules))
        unmapped = defined - set(mapped) - set(concerns.IGNORED)
        problems += [f"{name} ({side}) is in two concerns" for name in sorted(twice)]
        problems += [f"{name} ({side}) is in no concern" for name in sorted(unmapped)]
    if problems:
        raise MissingName("; ".join(problems))


def concern_table(counts: list[Count]) -> list[str]:
    header = "| Concern | Baseline does it | Baseline lines | Dapr code | Dapr YAML | Note |"
    lines = [header, "|---|---|--:|--:|--:|---|"]
    for count in counts:
        concern = count.concern
        baseline = str(count.baseline) if concern.baseline else "none"
        if concern.status == concerns.SIDECAR:
            baseline = "not needed"
        lines.append(
            f"| {concern.title} | {concern.status} | {baseline} | {count.dapr} | {count.yaml} "
            f"| {concern.note} |"
        )
    return lines


def summary(counts: list[Count]) -> list[str]:
    def total(status: str, field: str) -> int:
        return sum(getattr(c, field) for c in counts if c.concern.status == status)

    both_base, both_dapr = total(concerns.BOTH, "baseline"), total(concerns.BOTH, "dapr")
    ratio = both_dapr / both_base if both_base else float("nan")
    verdict = "met" if both_dapr * 2 <= both_base else "not met"
    return [
        f"- Concerns both sides implement: baseline {both_base} lines, Dapr side {both_dapr} "
        f"code + {total(concerns.BOTH, 'yaml')} YAML. Dapr/baseline code = {ratio:.2f}: "
        f"the target (at most 0.50) is {verdict} on these.",
        f"- Concerns the baseline lacks: it has {total(concerns.LACKS, 'baseline')} lines for "
        f"the parts it does; the Dapr side {total(concerns.LACKS, 'dapr')} code + "
        f"{total(concerns.LACKS, 'yaml')} YAML. The target cannot be judged on these without "
        "a baseline that implements them.",
        f"- The sidecar's own cost: {total(concerns.SIDECAR, 'dapr')} code lines.",
    ]


class CannotTell(RuntimeError):
    """The clone's history cannot say what changed since the base (shallow, or unrelated)."""


@dataclass(frozen=True)
class Change:
    path: str
    added: int
    deleted: int

    @property
    def part(self) -> str:
        for part, prefixes in zip(PARTS, (PRODUCTION, TOOLING, RUNTIME), strict=False):
            if self.path.startswith(prefixes):
                return part
        return PARTS[-1]


def changes_since(base: str, root: Path = REPO_ROOT) -> tuple[str, list[Change]]:
    """HEAD's short id and each file's lines added and deleted since `base`; CannotTell."""

    def git(*args: str) -> str:
        command = ["git", "-C", str(root), *args]
        # git from PATH, as a developer runs it, with our own arguments.
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise CannotTell(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
        return done.stdout

    try:
        git("rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    except CannotTell:
        raise CannotTell(f"commit {base} is not in this clone (shallow? fetch it all)") from None
    try:
        git("merge-base", "--is-ancestor", base, "HEAD")
    except CannotTell:
        raise CannotTell(f"{base} is not an ancestor of HEAD") from None
    changes = []
    excluded = [f":(exclude){path}" for path in SELF]
    numstat = git("diff", "--numstat", "--no-renames", base, "HEAD", "--", ".", *excluded)
    for row in numstat.splitlines():
        added, deleted, path = row.split("\t", 2)
        # A binary file shows "-": it counts as a file, not as lines.
        changes.append(Change(path, int(added.strip("-") or 0), int(deleted.strip("-") or 0)))
    return git("rev-parse", "--short", "HEAD").strip(), changes


def swap_table(base: str, head: str, changes: list[Change]) -> list[str]:
    lines = [
        f"`git diff --numstat {base} {head}`, leaving out this count's own files:",
        "",
        "| Part of the tree | Files | Lines added | Lines deleted |",
        "|---|--:|--:|--:|",
    ]
    for part in PARTS:
        mine = [change for change in changes if change.part == part]
        added, deleted = sum(c.added for c in mine), sum(c.deleted for c in mine)
        lines.append(f"| {part} | {len(mine)} | {added} | {deleted} |")
    production = [f"{c.path} (+{c.added} -{c.deleted})" for c in changes if c.part == PARTS[0]]
    return [*lines, "", "Production files changed: " + (", ".join(production) or "none.")]


def broker_components() -> list[str]:
    """The lines of each broker's `pubsub` component (what a swap writes instead of code)."""
    found = sorted((REPO_ROOT / "components" / "brokers").glob("*/pubsub.yaml"))
    sizes = [
        f"{path.parent.name} {len(yaml_rows(REPO_ROOT, Yaml(str(path.relative_to(REPO_ROOT)))))}"
        for path in found
    ]
    return [f"Lines of each broker's pubsub component: {', '.join(sizes)}."] if sizes else []


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help="the commit before the broker work")
    args = parser.parse_args(argv)
    counts = count_concerns()
    print("\n".join(["## Boilerplate per concern", "", *concern_table(counts), ""]))
    print("\n".join([*summary(counts), ""]))
    print("## Swapping the broker (Redis Streams to RabbitMQ)\n")
    try:
        print("\n".join(swap_table(args.base, *changes_since(args.base))))
        print("\n".join(["", *broker_components()]))
    except CannotTell as error:
        print(f"Cannot tell: {error}.")


if __name__ == "__main__":
    main()
