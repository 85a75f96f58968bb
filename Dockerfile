# The one image every motcua service of docker-compose.yml runs: `motcua <command>`.
#   docker build -t motcua:latest .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Non-root. The state directory and the letters directory exist in the image so that a named
# volume mounted on them starts owned by this user.
RUN groupadd --system --gid 10001 motcua \
 && useradd --system --uid 10001 --gid motcua --home-dir /var/lib/motcua --shell /usr/sbin/nologin motcua \
 && mkdir -p /var/lib/motcua/letters \
 && chown -R motcua:motcua /var/lib/motcua

COPY . /src
RUN pip install "/src[postgres]" && rm -rf /src

USER motcua:motcua
WORKDIR /var/lib/motcua
ENV MOTCUA_STATE_DIR=/var/lib/motcua
# 9100: /metrics of every long-running command; 8080: board; 8088: ingest API
EXPOSE 8080 8088 9100

ENTRYPOINT ["motcua"]
CMD ["--help"]
