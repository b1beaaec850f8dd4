# Ember in a container: Python slim, a user without privileges, `ember run`.
#
#   docker build -t ember .
#   docker run --rm --env-file .env -v ember-data:/var/lib/ember ember db upgrade
#   docker run -d --name ember --env-file .env -v ember-data:/var/lib/ember \
#       --stop-timeout 30 --restart on-failure:10 ember                   # long polling
#   docker run ... -p 127.0.0.1:8080:8080 ember run --webhook            # behind a proxy
#
# docs/deploy.md explains the settings, PostgreSQL, the reverse proxy, health and backups.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY prompts ./prompts
COPY storage ./storage
# Ember and every dependency as wheels; nothing of the build stays in the image
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EMBER_DATABASE_URL=sqlite+aiosqlite:////var/lib/ember/ember.db \
    EMBER_LISTEN=0.0.0.0:8080 \
    EMBER_HEALTH_LISTEN=0.0.0.0:8081 \
    EMBER_LOG_FORMAT=json
RUN groupadd --system --gid 10001 ember \
 && useradd --system --uid 10001 --gid ember --home-dir /var/lib/ember --create-home \
        --shell /usr/sbin/nologin ember
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels ember && rm -rf /wheels
USER ember
WORKDIR /var/lib/ember
VOLUME ["/var/lib/ember"]
# 8080: the webhook (ember run --webhook); 8081: /healthz and /livez
EXPOSE 8080 8081
# SIGTERM stops Ember cleanly (exit 0); allow it the time: docker stop -t 30
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://127.0.0.1:8081/livez', timeout=4)"]
ENTRYPOINT ["ember"]
CMD ["run"]
