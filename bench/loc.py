"""Lines of code by name: the logical lines of a Python definition and the lines of a YAML node.

Python: a logical line is a statement as Python's tokenizer ends it (a NEWLINE token), so a
call that ruff format wraps over five lines is still one; blank lines, comments and
docstrings are not lines. YAML: the lines of a node that are neither blank nor comments.
Both read the files (`ast`, `tokenize`, `yaml.compose`), never import them, so counting
needs neither Django nor a sidecar.
"""

from __future__ import annotations

import ast
import functools
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

import yaml

SKIPPED_TOKENS = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
)


class MissingName(LookupError):
    """A counted name (a Python definition or a YAML node) no longer exists."""


@dataclass(frozen=True)
class Source:
    """One Python file, parsed once: its definitions and where its logical lines start."""

    tree: ast.Module
    statement_rows: tuple[int, ...]
    docstring_rows: frozenset[int]

    @classmethod
    def read(cls, path: Path) -> Source:
        text = path.read_text()
        tree = ast.parse(text, filename=str(path))
        return cls(tree, _statement_rows(text), _docstring_rows(tree))

    def definitions(self) -> dict[str, ast.stmt]:
        """Top-level definitions by name; a class's methods as `Class.method`."""
        found: dict[str, ast.stmt] = {}
        for node in self.tree.body:
            for name in _names(node):
                found[name] = node
            if isinstance(node, ast.ClassDef):
                for member in node.body:
                    for name in _names(member):
                        found[f"{node.name}.{name}"] = member
        return found

    def logical_lines(self, node: ast.stmt) -> int:
        """The statements from `node`'s first decorator to its end, docstrings left out."""
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(decorator.lineno for decorator in decorators)])
        last = node.end_lineno or node.lineno
        return sum(
            1
            for row in self.statement_rows
            if first <= row <= last and row not in self.docstring_rows
        )


def _names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    if isinstance(node, ast.Assign):
        targets = [name for target in node.targets for name in ast.walk(target)]
        return [name.id for name in targets if isinstance(name, ast.Name)]
    return []


def _statement_rows(text: str) -> tuple[int, ...]:
    """The row on which each logical line starts."""
    rows: list[int] = []
    start: int | None = None
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.NEWLINE and start is not None:
            rows.append(start)
            start = None
        elif start is None and token.type not in SKIPPED_TOKENS | {tokenize.ENDMARKER}:
            start = token.start[0]
    return tuple(rows)


def _docstring_rows(tree: ast.Module) -> frozenset[int]:
    """The first row of every module, class and function docstring."""
    owners = [tree] + [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    return frozenset(
        owner.body[0].lineno
        for owner in owners
        if owner.body
        and isinstance(owner.body[0], ast.Expr)
        and isinstance(owner.body[0].value, ast.Constant)
        and isinstance(owner.body[0].value.value, str)
    )


@functools.cache
def _source(path: Path) -> Source:
    return Source.read(path)


def module_path(root: Path, module: str) -> Path:
    """`common.dapr.state` -> root/common/dapr/state.py (or its package's __init__.py)."""
    base = root.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def python_lines(root: Path, qualified: str) -> int:
    """Logical lines of `module:name` (e.g. `common.dapr.state:save_item`); MissingName if gone."""
    module, _, name = qualified.partition(":")
    path = module_path(root, module)
    if not path.is_file():
        raise MissingName(f"{qualified}: no module {path.relative_to(root)}")
    source = _source(path)
    node = source.definitions().get(name)
    if node is None:
        raise MissingName(f"{qualified}: no {name} in {path.relative_to(root)}")
    return source.logical_lines(node)


def top_level_names(root: Path, module: str) -> set[str]:
    """Every top-level definition of `module` as `module:name` (what a mapping must cover);
    a statement that defines several names (`A, B = ...`) goes by its first."""
    source = _source(module_path(root, module))
    return {f"{module}:{names[0]}" for node in source.tree.body if (names := _names(node))}


@dataclass(frozen=True)
class YamlSelection:
    """A node of a YAML file: the document whose `metadata.name` is `document` (or the
    file's only one) and a path of mapping keys into it; `name=x` picks the list item whose
    `name` is x (a component's metadata entry). An empty path is the whole document;
    `exclude` are paths (from the selected node) whose lines are left out."""

    file: str
    document: str | None = None
    path: tuple[str, ...] = ()
    exclude: tuple[tuple[str, ...], ...] = ()

    def __str__(self) -> str:
        return ":".join([self.file, self.document or "", ".".join(self.path)]).rstrip(":")


def yaml_rows(root: Path, selection: YamlSelection) -> set[tuple[str, int]]:
    """The (file, row) pairs of the selection's lines that are neither blank nor comments."""
    path = root / selection.file
    if not path.is_file():
        raise MissingName(f"{selection}: no file")
    text = path.read_text()
    first, node = _select(_document(text, selection), selection.path, selection)
    rows = _rows(first, node)
    for excluded in selection.exclude:
        rows -= _rows(*_select(node, excluded, selection))
    lines = text.splitlines()
    return {
        (selection.file, row)
        for row in rows
        if lines[row].strip() and not lines[row].lstrip().startswith(("#", "---"))
    }


def _rows(first: int, node: yaml.Node) -> set[int]:
    return set(range(first, max(_last_row(scalar) for scalar in _scalars(node)) + 1))


def _document(text: str, selection: YamlSelection) -> yaml.Node:
    documents = [node for node in yaml.compose_all(text) if node is not None]
    if selection.document is None and len(documents) == 1:
        return documents[0]
    for document in documents:
        metadata = _child(document, "metadata")
        name = _child(metadata, "name") if metadata is not None else None
        if name is not None and name.value == selection.document:
            return document
    raise MissingName(f"{selection}: no document named {selection.document}")


def _select(
    node: yaml.Node, path: tuple[str, ...], selection: YamlSelection
) -> tuple[int, yaml.Node]:
    """The node at `path` from `node` and its first row (that of its key, when it has one)."""
    first = node.start_mark.line
    for step in path:
        key, _, wanted = step.partition("=")
        if wanted:
            found = _item_named(node, key, wanted)
            first = found.start_mark.line if found is not None else first
        else:
            pair = _pair(node, key)
            found = pair[1] if pair else None
            first = pair[0].start_mark.line if pair else first
        if found is None:
            raise MissingName(f"{selection}: no {step}")
        node = found
    return first, node


def _scalars(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.ScalarNode):
        return [node]
    pairs = node.value if isinstance(node, yaml.MappingNode) else [(item,) for item in node.value]
    return [scalar for pair in pairs for child in pair for scalar in _scalars(child)]


def _last_row(scalar: yaml.Node) -> int:
    # A block scalar (`|`) ends at the start of the line after its last one.
    end = scalar.end_mark
    return end.line - 1 if end.column == 0 else end.line


def _pair(node: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next(((name, value) for name, value in node.value if name.value == key), None)


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    pair = _pair(node, key)
    return pair[1] if pair else None


def _item_named(node: yaml.Node, key: str, wanted: str) -> yaml.Node | None:
    if not isinstance(node, yaml.SequenceNode):
        return None
    for item in node.value:
        found = _child(item, key)
        if found is not None and found.value == wanted:
            return item
    return None
