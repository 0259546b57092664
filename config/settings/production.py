"""Settings for Kubernetes: HTTPS-only cookies and headers behind the ingress."""

from __future__ import annotations

from common import env
from config.settings.base import *  # noqa: F403

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.integer("DJANGO_HSTS_SECONDS", 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True

# Without them any process on the node could call the sidecar's API or an app's sidecar-only
# routes: production refuses to start rather than run unguarded (base.py lets tests and
# hand-run tools go without).
DAPR_API_TOKEN = env.required("DAPR_API_TOKEN")
APP_API_TOKEN = env.required("APP_API_TOKEN")
