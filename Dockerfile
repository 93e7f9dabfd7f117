# Multi-stage build: compile on Debian 12 with the -dev packages, ship a
# slim runtime with only the shared libraries. The entrypoint is the
# orchestra binary; role and config are arguments:
#   docker run -p 8080:8080 orchestra --role api --config /opt/orchestra/etc/orchestra/orchestra.yaml
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libboost1.81-dev libboost-program-options1.81-dev \
      libsoci-dev libhiredis-dev rapidjson-dev libfmt-dev libspdlog-dev libyaml-cpp-dev \
      libsodium-dev libcurl4-openssl-dev libpq-dev libsqlite3-dev doctest-dev \
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
    && useradd --system --home-dir /var/lib/orchestra --create-home orchestra
COPY --from=build /opt/orchestra /opt/orchestra
USER orchestra
WORKDIR /var/lib/orchestra
EXPOSE 8080 8081
ENTRYPOINT ["/opt/orchestra/bin/orchestra"]
CMD ["--role", "all", "--config", "/opt/orchestra/etc/orchestra/orchestra.yaml"]
