from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from bench import boilerplate, boilerplate_concerns
from bench.boilerplate import CannotTell, Change, changes_since, count_concerns
from bench.boilerplate_concerns import BOTH, LACKS, SIDECAR

BOTH_CONCERNS = [c.title for c in boilerplate_concerns.CONCERNS if c.status == BOTH]


def test_every_named_definition_and_yaml_node_exists_and_each_is_counted_once() -> None:
    # Raises MissingName for a gone name, an uncovered definition or a line counted twice.
    counts = count_concerns()
    assert [count.concern for count in counts] == list(boilerplate_concerns.CONCERNS)


def test_a_new_gateway_function_in_no_concern_fails_the_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, *rest = boilerplate_concerns.CONCERNS
    trimmed = dataclasses.replace(first, dapr=first.dapr[:-1])
    monkeypatch.setattr(boilerplate_concerns, "CONCERNS", (trimmed, *rest))
    with pytest.raises(boilerplate.MissingName, match="in no concern"):
        count_concerns()


def test_what_the_baseline_lacks_is_named_not_invented() -> None:
    for concern in boilerplate_concerns.CONCERNS:
        if concern.status == LACKS:
            assert concern.note.startswith("baseline:"), concern.title
        if concern.status == SIDECAR:
            assert not concern.baseline, concern.title


def test_concerns_both_implement_are_counted_on_both_sides() -> None:
    for count in count_concerns():
        if count.concern.status == BOTH:
            assert count.baseline > 0, count.concern.title
            assert count.dapr > 0, count.concern.title


@pytest.mark.xfail(
    strict=True,
    reason="measured: where both implement a concern, the gateway's HTTP calls take as many "
    "lines as the baseline's Redis calls or more (docs/benchmarks.md#sc-004-boilerplate)",
)
@pytest.mark.parametrize("title", BOTH_CONCERNS)
def test_dapr_side_is_smaller_where_both_implement(title: str) -> None:
    count = next(c for c in count_concerns() if c.concern.title == title)
    assert count.dapr < count.baseline


def test_docs_hold_the_counts_the_script_prints() -> None:
    docs = (boilerplate.REPO_ROOT / "docs" / "benchmarks.md").read_text()
    for row in boilerplate.concern_table(count_concerns()):
        assert row in docs


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    for key, value in (("user.name", "t"), ("user.email", "t@localhost")):
        git(tmp_path, "config", key, value)
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "gateway.py").write_text("A = 1\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    return tmp_path


def test_changes_are_split_into_production_tooling_and_configuration(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    (repo / "common" / "gateway.py").write_text("A = 2\nB = 3\n")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_x.py").write_text("X = 1\n")
    (repo / "pubsub.yaml").write_text("a: 1\nb: 2\n")
    (repo / "dapr_runtime").mkdir()
    (repo / "dapr_runtime" / "main.go").write_text("package main\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "swap")
    _head, changes = changes_since(base, repo)
    assert sorted(changes, key=lambda c: c.path) == [
        Change("common/gateway.py", 2, 1),
        Change("dapr_runtime/main.go", 1, 0),
        Change("pubsub.yaml", 2, 0),
        Change("tests/test_x.py", 1, 0),
    ]
    assert [change.part for change in sorted(changes, key=lambda c: c.path)] == [
        "production code",
        "runtime build (Go)",
        "YAML, setup, docs",
        "devtools, tests, bench",
    ]


def test_a_base_missing_from_the_clone_cannot_tell(repo: Path) -> None:
    with pytest.raises(CannotTell, match="not in this clone"):
        changes_since("dd3fe1f", repo)
