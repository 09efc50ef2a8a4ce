# The worker (and the CLI) as a container: python worker.py, as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LOG_FORMAT=json
WORKDIR /app

COPY . /app
RUN python -m venv /app/.venv && /app/.venv/bin/pip install --no-cache-dir .

RUN useradd --create-home --uid 10001 doan && mkdir -p /app/data /app/reports /app/evidence && chown -R doan /app/data /app/reports /app/evidence
USER doan
ENV PATH=/app/.venv/bin:$PATH

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=4)"

CMD ["python", "worker.py"]
