"""Each sidecar's access policies: the calls into its app that the code makes, nothing else.

helm/dapr-todo/files/access-control.yaml lists them (callee, caller, path, verbs); the chart
renders the same file into its Configurations, so the cluster and every local system allow
exactly the same calls (tests/unit/helm/test_access_control.py). Dapr enforces them in the
callee's sidecar, which reads the caller from its mTLS certificate's SPIFFE id
(spiffe://<trust domain>/ns/<namespace>/<app-id>).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from devtools import sentry
from devtools.topology import REPO_ROOT

ACCESS_CONTROL_FILE = REPO_ROOT / "helm" / "dapr-todo" / "files" / "access-control.yaml"

# callee app-id -> caller app-id -> path -> HTTP verbs
AllowedCalls = dict[str, dict[str, dict[str, list[str]]]]


def allowed_calls(source: Path = ACCESS_CONTROL_FILE) -> AllowedCalls:
    calls: AllowedCalls = yaml.safe_load(source.read_text())
    return calls


def policies(
    callee: str,
    trust_domain: str,
    namespace: str = sentry.NAMESPACE,
    source: Path = ACCESS_CONTROL_FILE,
) -> list[dict[str, Any]]:
    """`callee`'s accessControl policies: one per caller, deny but for the listed calls."""
    return [
        {
            "appId": caller,
            "defaultAction": "deny",
            "trustDomain": trust_domain,
            "namespace": namespace,
            "operations": [
                {"name": path, "httpVerb": list(verbs), "action": "allow"}
                for path, verbs in paths.items()
            ],
        }
        for caller, paths in allowed_calls(source).get(callee, {}).items()
    ]
