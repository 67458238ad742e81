# A slim image that runs the bot as configured by environment variables.
#   docker build -t booking-bot .
#   docker run --env-file .env -v booking-data:/data -p 8080:8080 booking-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_PATH=/data/bot.sqlite3 \
    LOCALES_DIR=/app/locales \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8080

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY locales ./locales
# python -m bot imports the copy in /app (the working directory), not the installed one:
# compile it now, since PYTHONDONTWRITEBYTECODE (and the read-only user) would otherwise
# have every start compile the bot's ~140 modules from source (~0.1 s of each cold start).
RUN pip install . \
    && python -m compileall -q bot \
    && useradd --create-home --uid 10001 bot \
    && mkdir -p /data && chown bot:bot /data

USER bot
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)" || exit 1
CMD ["python", "-m", "bot", "run"]
