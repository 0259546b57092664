# One image for the three services; the Helm chart picks one per Deployment with
# DAPR_TODO_SERVICE and Daphne's arguments (the default command runs webapp).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app
COPY . .
# Editable, so the code, templates and static sources are used from /app (settings find
# the project root from their own path); the files stay root-owned and read-only to the app.
RUN pip install -e . \
    && DJANGO_SECRET_KEY=collectstatic-only DAPR_TODO_SERVICE=webapp \
       DAPR_API_TOKEN=collectstatic-only APP_API_TOKEN=collectstatic-only \
       DJANGO_SETTINGS_MODULE=config.settings.production \
       python manage.py collectstatic --noinput -v 0

USER 10001:10001
EXPOSE 8000
CMD ["daphne", "--bind", "0.0.0.0", "--port", "8000", "--proxy-headers", "-v", "0", "webapp.asgi:application"]
