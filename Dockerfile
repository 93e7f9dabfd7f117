# Multi-stage build: compile on Debian 12 with the -dev packages, ship a
# slim runtime with only the shared libraries. The entrypoint is the
# orchestra binary; role and config are arguments:
#   docker build -t orchestra .
#   docker run -p 8080:8080 orchestra --role api --config /opt/orchestra/etc/orchestra/orchestra.yaml
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build ccache pkg-config \
      libboost1.81-dev libboost-program-options1.81-dev \
      libsoci-dev libhiredis-dev rapidjson-dev libfmt-dev libspdlog-dev libyaml-cpp-dev \
      libsodium-dev libcurl4-openssl-dev doctest-dev libpq-dev libsqlite3-dev sqlite3 \
      curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DORCHESTRA_BUILD_TESTS=OFF \
    && cmake --build build -j"$(nproc)" \
    && cmake --install build --prefix /opt/orchestra

FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libboost-program-options1.81.0 libsoci-core4.0 libsoci-sqlite3-4.0 libsoci-postgresql4.0 \
      libhiredis0.14 libfmt9 libspdlog1.10 libyaml-cpp0.7 libsodium23 libcurl4 libpq5 \
      libsqlite3-0 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --user-group --home-dir /var/lib/orchestra --shell /usr/sbin/nologin orchestra \
    && mkdir -p /var/lib/orchestra/var/blobs \
    && chown -R orchestra:orchestra /var/lib/orchestra
COPY --from=build /opt/orchestra /opt/orchestra
# The shipped config listens on loopback; inside a container that is
# unreachable, so listen on every interface (any key can be overridden so).
ENV ORCHESTRA_SERVER__LISTEN=0.0.0.0:8080 \
    ORCHESTRA_WORKER__LISTEN=0.0.0.0:8081
USER orchestra
# Relative paths in the config (var/orchestra.db, var/blobs) land here.
WORKDIR /var/lib/orchestra
EXPOSE 8080 8081
ENTRYPOINT ["/opt/orchestra/bin/orchestra"]
CMD ["--role", "all", "--config", "/opt/orchestra/etc/orchestra/orchestra.yaml"]
