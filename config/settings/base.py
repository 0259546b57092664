"""Settings read from the environment, shared by webapp, sync_worker and bindings_worker.

The three services are one Django codebase; DAPR_TODO_SERVICE picks which URLconf and
ASGI routing a process serves. Nothing here names another service's address.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from common import dapr_names, env
from common.csp import websocket_origin
from common.json_logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SERVICES = {
    "webapp": dapr_names.WEBAPP_APP_ID,
    "sync_worker": dapr_names.SYNC_WORKER_APP_ID,
    "bindings_worker": dapr_names.BINDINGS_WORKER_APP_ID,
}
SERVICE = env.optional("DAPR_TODO_SERVICE", "webapp")
if SERVICE not in SERVICES:
    raise ImproperlyConfigured(
        f"DAPR_TODO_SERVICE must be one of {', '.join(SERVICES)}, got {SERVICE!r}."
    )
DAPR_APP_ID = env.optional("APP_ID", SERVICES[SERVICE])

# --- configured part -----------------------------------------------------------------
# The audit trail: the public key its checkpoints verify with, and how long records stay.
AUDIT_VERIFY_KEY_FILE = env.optional("AUDIT_VERIFY_KEY_FILE", "")
AUDIT_RETENTION_DAYS = env.integer("AUDIT_RETENTION_DAYS", 365)
# The secret (in the `auditkeys` store) whose key `audit-signing-key` holds the Ed25519
# signing key: in Kubernetes, the name of the cluster Secret (the chart's
# audit.signingKeySecret), so an operator can rotate by pointing at a new Secret.
AUDIT_SIGNING_KEY_NAME = env.optional("AUDIT_SIGNING_KEY_NAME", "audit-signing-key")
SECRET_KEY = env.required("DJANGO_SECRET_KEY")
DEBUG = env.flag("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.listing("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.listing("DJANGO_CSRF_TRUSTED_ORIGINS", [])
LOG_LEVEL = env.optional("LOG_LEVEL", "INFO").upper()
# Where browsers open the live-update socket (served by sync_worker). Relative when an
# ingress serves both services on one host; absolute for the local run.
SYNC_WEBSOCKET_URL = env.optional("SYNC_WEBSOCKET_URL", "/ws/tasks/")
# Origins allowed to open that socket (besides the socket's own host).
SYNC_ALLOWED_ORIGINS = env.listing("SYNC_ALLOWED_ORIGINS", [])
# How many live-sync sockets one user may hold open across every sync_worker instance
# (sync_worker/socket_cap.py); 0 for no cap.
SYNC_MAX_SOCKETS_PER_USER = env.integer("SYNC_MAX_SOCKETS_PER_USER", 20)
# The channel layer that carries pushes between sync_worker instances.
# Only sync_worker uses it, and must have it.
CHANNEL_REDIS_URL = (
    env.required("CHANNEL_REDIS_URL")
    if SERVICE == "sync_worker"
    else env.optional("CHANNEL_REDIS_URL", "")
)

# Only users live in Django's database; tasks, preferences and sessions are Dapr state.
DATABASES = {
    "default": dj_database_url.parse(
        env.optional("DATABASE_URL", f"sqlite:///{BASE_DIR / '.runtime' / 'db.sqlite3'}"),
        conn_max_age=0,
    )
}

DAPR_HTTP_PORT = env.integer("DAPR_HTTP_PORT", 3500)
DAPR_GRPC_PORT = env.integer("DAPR_GRPC_PORT", 50001)
DAPR_API_TOKEN = env.optional("DAPR_API_TOKEN", "")
# The deadline of every sidecar call that sets none of its own: shorter than a browser
# user's patience, so a frozen or dead store answers 503 with a message, not a hung page.
DAPR_CALL_TIMEOUT_SECONDS = env.seconds("DAPR_CALL_TIMEOUT_SECONDS", 2.0)
APP_API_TOKEN = env.optional("APP_API_TOKEN", "")
# Traces: the share of new traces recorded (the sidecars' Configuration gets the same rate)
# and the Zipkin span endpoint; without an endpoint spans are made but not exported.
TRACING_SAMPLING_RATE = env.fraction("TRACING_SAMPLING_RATE", 1.0)
TRACING_ZIPKIN_ENDPOINT = env.optional("TRACING_ZIPKIN_ENDPOINT", "")

# The task path's state, lock and publish backends, as modules (common/backends.py): the
# Dapr gateway. A benchmark may name modules of its own with the same functions.
STATE_BACKEND = env.optional("STATE_BACKEND", "common.dapr.state")
LOCK_BACKEND = env.optional("LOCK_BACKEND", "common.dapr.lock")
PUBLISH_BACKEND = env.optional("PUBLISH_BACKEND", "common.dapr.publish")
# Reminders and e-mail (bindings_worker): links in e-mails point here; the digest time users
# get until they choose one.
PUBLIC_BASE_URL = env.optional("PUBLIC_BASE_URL", "http://127.0.0.1:8410")
DIGEST_DEFAULT_TIME = env.optional("DIGEST_DEFAULT_TIME", "08:00")
# How long the link that verifies a user's e-mail address stays valid (webapp).
EMAIL_VERIFICATION_MAX_AGE_SECONDS = env.seconds("EMAIL_VERIFICATION_MAX_AGE_SECONDS", 2 * 86400)
# Sign-in lock-out (django-axes, webapp): this many failed sign-ins for one account, or from
# one address, lock that account or address out for the cool-off.
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_SECONDS = env.seconds("AXES_COOLOFF_SECONDS", 15 * 60)

# --- computed part -------------------------------------------------------------------
# The state stores /readyz reads (common/health.py): each service's own.
READINESS_STORES = (
    [dapr_names.STATE_STORE, dapr_names.TASK_STORE]
    if SERVICE == "webapp"
    else [dapr_names.STATE_STORE]
)
ROOT_URLCONF = f"{SERVICE}.urls"
ASGI_APPLICATION = f"{SERVICE}.asgi.application"

# Each service installs only what it serves: users (auth) for all three (webapp signs them
# in, the workers look them up), pages and sessions for webapp, task fragments for the two
# that render them.
SERVICE_APPS = {
    "webapp": [
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
        "django_htmx",
        "task_fragments",
        "webapp.todo",
        "webapp.preferences",
        "webapp.accounts",
        "webapp.ops",
        "axes",
        "csp",
    ],
    "sync_worker": ["channels", "task_fragments"],
    "bindings_worker": [],
}
INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "common.apps.ObservabilityConfig",
    # Every service builds audit records; webapp also reads the trail (manage.py audit).
    "audit.apps.AuditConfig",
    *SERVICE_APPS[SERVICE],
]

# Workers serve only their sidecar's calls (no sessions, users, forms or pages); each
# middleware costs every event delivery.
MIDDLEWARE = [
    # Outermost: times and logs the whole request, with its trace id (OpenTelemetry's ASGI
    # middleware around Django opened the span).
    "common.request_observability.RequestObservabilityMiddleware",
]
if SERVICE == "webapp":
    # Django's own, but for SessionMiddleware run on the event loop (webapp/inline_middleware.py);
    # SessionMiddleware answers 503 when the state store cannot save the session.
    MIDDLEWARE += [
        "webapp.inline_middleware.SecurityMiddleware",
        "webapp.todo.outage.SessionMiddleware",
        "webapp.inline_middleware.CommonMiddleware",
        "webapp.inline_middleware.CsrfViewMiddleware",
        "webapp.inline_middleware.AuthenticationMiddleware",
        "webapp.inline_middleware.MessageMiddleware",
        "webapp.inline_middleware.XFrameOptionsMiddleware",
        "webapp.inline_middleware.CSPMiddleware",
        "django_htmx.middleware.HtmxMiddleware",
        # A state-store outage in any view or login check: 503 with a message, never a 500.
        "webapp.todo.outage.StateOutageMiddleware",
        # Last, as django-axes asks: turns a locked-out sign-in into its 429 page.
        "axes.middleware.AxesMiddleware",
    ]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Sessions live in the Dapr state store, so any instance can serve any request.
SESSION_ENGINE = "webapp.sessions"
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

# django-axes refuses a locked-out account or address before the password is checked. Its
# counters live in the users database, which every webapp instance shares.
AUTHENTICATION_BACKENDS = [
    *(["axes.backends.AxesStandaloneBackend"] if SERVICE == "webapp" else []),
    "django.contrib.auth.backends.ModelBackend",
]
# Each parameter counts on its own: one account from anywhere, or one address for any account.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(seconds=AXES_COOLOFF_SECONDS)
# A success does not reset the counters: it would let one owner of a valid account clear their
# address's count between guesses at others. Counters expire after the cool-off instead.
AXES_RESET_ON_SUCCESS = False
# The sign-in page itself, with the reason and the cool-off (status 429).
AXES_LOCKOUT_CALLABLE = "webapp.accounts.lockout.locked_out"
# Axes logs every attempt at INFO with the username; the audit trail records them already.
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Task bodies are small; anything larger is refused with 400 before it is parsed. The
# workers' requests come from their sidecar: a bulk delivery of up to 100 task events, each
# up to ~32 KB (5,000-character notes, JSON-escaped), must fit, or Dapr retries it forever
# (docs/design.md#bulk-delivery).
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 if SERVICE == "webapp" else 4 * 1024 * 1024

# Pushes to open tabs between sync_worker instances. Redis pub/sub: a push to a user's group is
# one PUBLISH, received once by each instance with a socket in the group and handed to those
# sockets in memory (channels_redis.core would queue a copy per socket in Redis, each fetched
# with its own round trip). At-most-once either way: tabs catch up from the log on a gap.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [CHANNEL_REDIS_URL]},
    }
}

# No inline script or style anywhere, and nothing from another origin but the live-sync
# socket (sync_worker, on a port of its own locally): an injected <script> does not run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF, *websocket_origin(SYNC_WEBSOCKET_URL)],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".runtime" / "static"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = logging_config(LOG_LEVEL)
