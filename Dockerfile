# Trivselsbot container image: `docker build -t trivselsbot .` (docs/deployment.md).
# Not built in this project's test environment (no container engine runs there): the steps are
# the ones tests/test_deployment.py runs outside a container.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE requirements-runtime.lock ./
COPY bot bot
COPY dialogs dialogs
COPY storage storage
COPY manifest manifest
# The dependencies exactly as tested (versions and hashes from the lock), then the project alone.
RUN python -m venv /opt/trivselsbot \
 && /opt/trivselsbot/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/trivselsbot/bin/pip install --no-cache-dir --require-hashes --no-deps \
      -r requirements-runtime.lock \
 && /opt/trivselsbot/bin/pip install --no-cache-dir --no-deps .

FROM python:3.11-slim-bookworm
# A user of its own, no shell, no home to speak of: the bot needs to write only its data folder.
RUN groupadd --system --gid 10001 trivselsbot \
 && useradd --system --uid 10001 --gid trivselsbot --no-create-home \
      --home-dir /var/lib/trivselsbot --shell /usr/sbin/nologin trivselsbot \
 && install -d -o trivselsbot -g trivselsbot -m 0700 /var/lib/trivselsbot
COPY --from=build /opt/trivselsbot /opt/trivselsbot
ENV PATH=/opt/trivselsbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BOT_HOST=0.0.0.0 \
    BOT_PORT=3978 \
    BOT_DATABASE_URL=sqlite+aiosqlite:////var/lib/trivselsbot/trivselsbot.db
USER trivselsbot:trivselsbot
WORKDIR /var/lib/trivselsbot
VOLUME ["/var/lib/trivselsbot"]
EXPOSE 3978
# Healthy when /healthz answers 200 (the database answers); a worker container overrides this
# (it serves /healthz on BOT_METRICS_PORT). Python's urllib: the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:%s/healthz' % os.environ.get('HEALTH_PORT', os.environ.get('BOT_PORT', '3978')); sys.exit(0 if urllib.request.urlopen(url, timeout=4).status == 200 else 1)"]
ENTRYPOINT ["trivselsbot"]
CMD ["run"]
