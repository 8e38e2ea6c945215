# The events service: one image for the app and its one-shot migration.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY events_app ./events_app
# DejaVu Sans lets badge PDFs print names in any script.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
RUN pip install . && useradd --system --create-home --home-dir /var/lib/events events

USER events
WORKDIR /var/lib/events
EXPOSE 8000
# Several worker processes; they share nothing but the database (and Redis for live updates).
CMD ["sh", "-c", "exec uvicorn events_app.asgi:app --host 0.0.0.0 --port 8000 --workers ${EVENTS_WORKERS:-4} --proxy-headers --forwarded-allow-ips='*' --no-access-log"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"
