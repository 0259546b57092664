"""The packages' boundaries, as the architecture draws them: the workers never import webapp,
and the shared code (common, task_fragments, config) imports no service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("webapp", "sync_worker", "bindings_worker")
FORBIDDEN = {
    "sync_worker": ("webapp", "bindings_worker"),
    "bindings_worker": ("webapp", "sync_worker"),
    "webapp": ("sync_worker", "bindings_worker"),
    "common": (*SERVICES, "task_fragments", "bench", "devtools"),
    "task_fragments": (*SERVICES, "bench", "devtools"),
    "config": (*SERVICES, "bench", "devtools"),
    "audit": (*SERVICES, "bench", "devtools"),
}


def imported_modules(source: Path) -> set[str]:
    """Every module `source` imports, at any depth (lazy imports inside functions too)."""
    tree = ast.parse(source.read_text(), filename=str(source))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def violations(package: str) -> list[str]:
    forbidden = FORBIDDEN[package]
    return sorted(
        f"{source.relative_to(REPO)} imports {module}"
        for source in (REPO / package).rglob("*.py")
        for module in imported_modules(source)
        if module.split(".")[0] in forbidden
    )


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_its_boundary_allows(package: str) -> None:
    assert violations(package) == []


def test_a_forbidden_import_is_found(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text("def f():\n    from webapp.todo import views\n")
    assert imported_modules(source) == {"webapp.todo"}


SIDECAR_ACCESS = (
    "/v1.0",
    "DAPR_HTTP_PORT",
    "ClientSession(",
    "httpx.Client(",
    "AsyncClient(",
    "DaprActorHttpClient",
    "DaprClient(",
)
PRODUCTION = ("audit", "common", "task_fragments", "webapp", "sync_worker", "bindings_worker")


def sidecar_access_outside_the_gateway() -> list[str]:
    gateway = REPO / "common" / "dapr"
    return sorted(
        f"{source.relative_to(REPO)}: {marker}"
        for package in PRODUCTION
        for source in (REPO / package).rglob("*.py")
        if gateway not in source.parents
        for marker in SIDECAR_ACCESS
        if marker in source.read_text()
    )


def test_only_the_dapr_gateway_builds_sidecar_urls_or_holds_a_client() -> None:
    assert sidecar_access_outside_the_gateway() == []
