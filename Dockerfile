# syntax=docker/dockerfile:1
# hrwise-sync as a container: the daemon (`hrwise-sync run`), non-root, warehouse on /data.
#
#   docker build -t hrwise-sync .
#   docker run -d --name hrwise-sync -v hrwise-data:/data -p 127.0.0.1:9464:9464 \
#     -v /etc/hrwise-sync/api_key:/run/secrets/hrwise_api_key:ro hrwise-sync
#
# Configuration is by HRWISE_* variables (see config/hrwise-sync.example.toml); the API key
# comes from the secret file. Building compiles DuckDB from C++ (about 25 minutes on 2 cores);
# the cache mounts keep it for the next build.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# The same command as CI's release build; --locked: exactly the dependencies in Cargo.lock.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && install -D -m 0755 target/release/hrwise-sync /out/hrwise-sync

FROM debian:bookworm-slim
# ca-certificates: the API is HTTPS and rustls verifies against the system's roots.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 hrwise \
    && useradd --system --uid 10001 --gid hrwise --home-dir /data --shell /usr/sbin/nologin hrwise \
    && mkdir -p /data \
    && chown hrwise:hrwise /data
COPY --from=build /out/hrwise-sync /usr/local/bin/hrwise-sync
# The daemon stops cleanly within HRWISE_SHUTDOWN_TIMEOUT_SECS of SIGTERM: 8 s fits inside
# `docker stop`'s default 10 s grace period.
ENV HRWISE_DATABASE=/data/hrwise.duckdb \
    HRWISE_API_KEY_FILE=/run/secrets/hrwise_api_key \
    HRWISE_LISTEN=0.0.0.0:9464 \
    HRWISE_SHUTDOWN_TIMEOUT_SECS=8
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 9464
STOPSIGNAL SIGTERM
# The binary checks itself (GET /healthz over plain TCP): no curl in the image.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["hrwise-sync", "healthcheck"]
ENTRYPOINT ["hrwise-sync"]
CMD ["run"]
