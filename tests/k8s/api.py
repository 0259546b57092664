"""The few Kubernetes API calls the tests make, over plain HTTP (httpx), no kubectl.

Resource paths come from the server's own discovery documents, so a custom resource is
reached the same way as a built-in one once its CRD is established.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import httpx


class Refused(AssertionError):
    """The API server refused a request; the message carries its status and reason."""


@dataclass(frozen=True)
class Resource:
    api_version: str
    plural: str
    namespaced: bool

    def path(self, namespace: str | None, name: str | None = None) -> str:
        base = (
            f"/api/{self.api_version}"
            if "/" not in self.api_version
            else f"/apis/{self.api_version}"
        )
        if self.namespaced:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        return f"{base}/{name}" if name else base


class Api:
    """A cluster reached through `client` (authenticated; base_url the API server)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self._kinds: dict[tuple[str, str], Resource] = {}

    def resource(self, api_version: str, kind: str) -> Resource:
        """The resource serving `kind` in `api_version`, from discovery (refreshed once on a
        miss: a CRD may just have been established)."""
        if (api_version, kind) not in self._kinds:
            self._discover.cache_clear()
            self._discover(api_version)
        try:
            return self._kinds[(api_version, kind)]
        except KeyError:
            raise Refused(f"the server serves no {kind} in {api_version}") from None

    @functools.cache  # noqa: B019 - one Api per session; entries are tiny
    def _discover(self, api_version: str) -> None:
        path = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
        reply = self.client.get(path)
        if reply.status_code == 404:
            return
        for item in checked(reply)["resources"]:
            if "/" not in item["name"]:  # not a subresource
                self._kinds[(api_version, item["kind"])] = Resource(
                    api_version, item["name"], item["namespaced"]
                )

    def create(
        self, doc: dict[str, Any], namespace: str | None = None, dry_run: bool = False
    ) -> dict[str, Any]:
        """Creates `doc` (in `namespace` if it is namespaced); raises Refused if not admitted."""
        resource = self.resource(doc["apiVersion"], doc["kind"])
        params = (
            {"dryRun": "All", "fieldValidation": "Strict"}
            if dry_run
            else {"fieldValidation": "Strict"}
        )
        return checked(self.client.post(resource.path(namespace), json=doc, params=params))

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        """The object, or None if there is none."""
        reply = self.client.get(self.resource(api_version, kind).path(namespace, name))
        return None if reply.status_code == 404 else checked(reply)

    def patch_status(
        self, api_version: str, kind: str, name: str, namespace: str, status: dict[str, Any]
    ) -> dict[str, Any]:
        """Merges `status` into the object's status subresource, as the component owning it
        (a kubelet for a Pod) would."""
        path = self.resource(api_version, kind).path(namespace, name) + "/status"
        reply = self.client.patch(
            path,
            json={"status": status},
            headers={"Content-Type": "application/merge-patch+json"},
        )
        return checked(reply)

    def scale(self, api_version: str, kind: str, name: str, namespace: str) -> dict[str, Any]:
        """The object's scale subresource: what an HPA reads (replicas and pod selector)."""
        path = self.resource(api_version, kind).path(namespace, name) + "/scale"
        return checked(self.client.get(path))

    def list(
        self, api_version: str, kind: str, namespace: str | None = None, selector: str = ""
    ) -> list[dict[str, Any]]:
        params = {"labelSelector": selector} if selector else {}
        reply = self.client.get(self.resource(api_version, kind).path(namespace), params=params)
        items: list[dict[str, Any]] = checked(reply)["items"]
        return items


def checked(reply: httpx.Response) -> dict[str, Any]:
    if reply.is_error:
        raise Refused(
            f"{reply.request.method} {reply.request.url.path}: {reply.status_code} {reply.text}"
        )
    body: dict[str, Any] = reply.json()
    return body
