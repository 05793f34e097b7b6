# mockturk in a container: the MTurk requester API on port 8765, for CI and local use.
#
#   docker build -t mockturk .
#   docker run --rm -p 127.0.0.1:8765:8765 mockturk
#   docker run --rm -p 127.0.0.1:8765:8765 -v "$PWD/my-fixtures:/fixtures:ro" mockturk
#   docker run --rm -p 127.0.0.1:8765:8765 -v mockturk-data:/data -e MOCKTURK_DATA_DIR=/data mockturk
#
# Configuration: the CLI's environment variables (MOCKTURK_HOST, MOCKTURK_PORT, MOCKTURK_FIXTURES,
# MOCKTURK_LOG_LEVEL, MOCKTURK_DATA_DIR...; MOCKTURK_ALLOWED_HOSTS for the names other containers
# reach the control API by, see docs/security.md). /fixtures holds the bundled data set; mount a
# directory of .json/.yaml/.yml
# fixture files over it to serve your own. Any OCI builder works (docker, podman, buildah): no
# BuildKit-only syntax. BASE_IMAGE may name any Debian-like image with python3 >= 3.11 and venv.

ARG BASE_IMAGE=python:3.12-slim

# --- build: a virtualenv with mockturk and its dependencies; build tools and caches stay here ---
FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
# The virtualenv gets no pip of its own: the base image's pip installs into it (pip --python).
RUN python3 -m venv --without-pip /opt/venv
WORKDIR /src
# Dependencies first, read from pyproject.toml, so that a change to the code alone reuses them.
COPY pyproject.toml ./
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && python3 -m pip --python /opt/venv/bin/python install -r requirements.txt
COPY README.md ./
COPY mockturk ./mockturk
COPY fixtures/default ./fixtures/default
# A regular (not editable) install from the build context.
RUN python3 -m pip --python /opt/venv/bin/python install --no-deps . \
 && /opt/venv/bin/mockturk --version

# --- runtime: the base image, the virtualenv and the default fixtures; no build tools ---
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="mockturk" \
      org.opencontainers.image.description="A local server that speaks the Amazon Mechanical Turk requester API" \
      org.opencontainers.image.licenses="MIT"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MOCKTURK_HOST=0.0.0.0 \
    MOCKTURK_PORT=8765 \
    MOCKTURK_FIXTURES=/fixtures \
    MOCKTURK_LOG_LEVEL=info
COPY --from=build /opt/venv /opt/venv
COPY fixtures/default /fixtures
# Where a volume keeps the state across restarts, with MOCKTURK_DATA_DIR=/data (off unless
# set): the user's own, so that a new named volume mounted there is writable by it.
RUN mkdir /data && chown 10001:10001 /data
# An unprivileged numeric user that needs no /etc/passwd entry; nothing is written at run
# time (but to a data dir's volume), so the container also runs with a read-only root
# filesystem.
USER 10001:10001
EXPOSE 8765
# mockturk shuts down gracefully on SIGTERM and exits 0: `docker stop` takes well under a second.
STOPSIGNAL SIGTERM
# Standard library only (the image has no curl); it follows MOCKTURK_PORT and ignores any
# HTTP proxy set in the environment.
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python3", "-c", "import http.client, os, sys; sys.tracebacklimit = 0; c = http.client.HTTPConnection('127.0.0.1', int(os.environ.get('MOCKTURK_PORT') or 8765), timeout=2); c.request('GET', '/_mockturk/health'); sys.exit(c.getresponse().status != 200)"]
ENTRYPOINT ["mockturk"]
CMD ["serve"]
