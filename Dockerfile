# smbcore as a container: `docker build -t smbcore .`, make the accounts first
# (`docker run --rm -it -v smbcore-data:/data smbcore python -m smbcore add-user NAME`), then
# `docker run -p 8501:8501 -v smbcore-data:/data smbcore`. The container listens on every address, so it refuses
# to start until there is an account (or an [auth] identity provider). See README, Hosting.
# The base image is pinned by digest, so a rebuild gets the very image this file was written against (a tag can
# be moved). To update it: `docker buildx imagetools inspect python:3.11-slim` and paste the new digest.
FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SMBCORE_HOME=/data
# The names browsers may use to open the app (the Host header of its websocket; guards against DNS rebinding).
# Set the name people type when you run it: docker run -e STREAMLIT_SERVER_ALLOWED_HOSTS="shop.example.com"
ENV STREAMLIT_SERVER_ALLOWED_HOSTS="localhost 127.0.0.1"

WORKDIR /app
# Every package, down to the dependencies of dependencies, at the exact version and with the hashes in
# requirements.lock (made from requirements.txt by pip-compile; see README, Development): pip refuses any file
# whose hash differs.
COPY requirements.lock .
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY app.py server.py ./
COPY pages ./pages
COPY smbcore ./smbcore
# Only the settings: .streamlit/secrets.toml (passwords of the identity provider) never goes into the image.
# Give it to the container at run time instead: -v /path/to/secrets.toml:/app/.streamlit/secrets.toml:ro
COPY .streamlit/config.toml ./.streamlit/config.toml

# Run as a user without root rights; saved workspaces live on the /data volume.
RUN useradd --create-home --uid 10001 smbcore && mkdir -p /data && chown smbcore /data
USER smbcore
VOLUME ["/data"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status == 200 else 1)"

# server.py serves app.py behind smbcore's sign-in guard (sign-in page, cookie checks, nothing for visitors).
CMD ["streamlit", "run", "server.py", "--server.port=8501", "--server.address=0.0.0.0"]
