# Slim, non-root image serving the API and admin with gunicorn; the same image runs the worker
# (docker run IMAGE python manage.py run_huey) and the release step (python manage.py migrate).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000 \
    DATA_DIR=/app/data

WORKDIR /app
RUN useradd --create-home --uid 10001 app

# Dependencies first, from the lock file, so code changes reuse this layer.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .
# collectstatic needs settings but no real secret: a random throwaway key, used once and not
# kept, is enough at build time. Its data directory is a throwaway too, so no empty Huey
# database is baked into the image.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    DATA_DIR=/tmp/build-data python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-data \
    && mkdir -p /app/data && chown -R app:app /app/data

USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"
CMD ["gunicorn", "--config", "gunicorn.conf.py", "backoffice.wsgi"]
