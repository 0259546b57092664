from __future__ import annotations

from pathlib import Path

import pytest

from bench.loc import MissingName, YamlSelection, python_lines, top_level_names, yaml_rows

SOURCE = '''"""A module docstring: not a line."""

import json

LIMIT = 3  # a comment after code: one line
A, B = 1, 2


# A comment on its own: not a line.
async def send(topic: str, data: dict) -> None:
    """A docstring: not a line."""

    payload = json.dumps(
        {"topic": topic, "data": data},
    )
    if len(payload) > LIMIT:
        raise ValueError(payload)


class Client:
    """Only a docstring."""

    def close(self) -> None:
        return None
'''

YAML = """# About the component.
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.redis
  metadata:
    # Why this one.
    - name: redisHost
      value: "127.0.0.1:6379"

    - name: concurrency
      value: "250"
scopes:
  - webapp
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(SOURCE)
    (tmp_path / "pubsub.yaml").write_text(YAML)
    return tmp_path


def test_logical_lines_skip_docstrings_comments_and_wrapping(tree: Path) -> None:
    # def, payload = (one statement over three rows), if, raise.
    assert python_lines(tree, "pkg.mod:send") == 4


def test_a_class_counts_its_methods_but_not_its_docstring(tree: Path) -> None:
    assert python_lines(tree, "pkg.mod:Client") == 3
    assert python_lines(tree, "pkg.mod:Client.close") == 2


def test_an_assignment_is_one_line_under_each_of_its_names(tree: Path) -> None:
    assert python_lines(tree, "pkg.mod:LIMIT") == 1
    assert python_lines(tree, "pkg.mod:B") == 1


def test_top_level_names_name_each_statement_once(tree: Path) -> None:
    assert top_level_names(tree, "pkg.mod") == {
        "pkg.mod:LIMIT",
        "pkg.mod:A",
        "pkg.mod:send",
        "pkg.mod:Client",
    }


@pytest.mark.parametrize("name", ["pkg.mod:gone", "pkg.gone:send", "pkg.mod:Client.open"])
def test_a_missing_name_fails_loudly(tree: Path, name: str) -> None:
    with pytest.raises(MissingName, match="no "):
        python_lines(tree, name)


def test_yaml_rows_skip_blanks_and_comments(tree: Path) -> None:
    whole = yaml_rows(tree, YamlSelection("pubsub.yaml"))
    assert len(whole) == 13


def test_yaml_selection_by_item_name_includes_its_key_and_value(tree: Path) -> None:
    host = YamlSelection("pubsub.yaml", path=("spec", "metadata", "name=redisHost"))
    assert yaml_rows(tree, host) == {("pubsub.yaml", 9), ("pubsub.yaml", 10)}


def test_yaml_exclude_leaves_out_a_subtree(tree: Path) -> None:
    spec = YamlSelection("pubsub.yaml", "pubsub", ("spec",), exclude=(("metadata",),))
    assert yaml_rows(tree, spec) == {("pubsub.yaml", 5), ("pubsub.yaml", 6)}


@pytest.mark.parametrize(
    "selection",
    [
        YamlSelection("gone.yaml"),
        YamlSelection("pubsub.yaml", "statestore"),
        YamlSelection("pubsub.yaml", path=("spec", "metadata", "name=maxLenApprox")),
        YamlSelection("pubsub.yaml", path=("spec", "version")),
    ],
)
def test_a_missing_yaml_node_fails_loudly(tree: Path, selection: YamlSelection) -> None:
    with pytest.raises(MissingName):
        yaml_rows(tree, selection)
