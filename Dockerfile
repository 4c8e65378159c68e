# The images of the compose example, from one file:
#   build    packs the npm tarball from this checkout (npm pack: `prepare` builds dist/)
#   pkg      that tarball alone; a release hands in its own instead (--build-context pkg=DIR,
#            scripts/release/image.sh), so its image installs the very tarball it ships
#   sidecar  the ansible-otel sidecar, installed as users install it: npm install -g of the tarball
#   ansible  a controller with Debian's ansible-core and the shim, for the compose example
FROM node:20.19-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json README.md ./
COPY scripts/prepare.sh ./scripts/
COPY src ./src
COPY plugin ./plugin
COPY docs ./docs
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm pack --pack-destination /out \
 && mv /out/ansible-otel-sidecar-*.tgz /out/ansible-otel-sidecar.tgz

FROM scratch AS pkg
COPY --from=build /out/ansible-otel-sidecar.tgz /

FROM node:20.19-bookworm-slim AS sidecar
COPY --from=pkg /ansible-otel-sidecar.tgz /tmp/
RUN npm install -g --no-audit --no-fund /tmp/ansible-otel-sidecar.tgz \
 && rm /tmp/ansible-otel-sidecar.tgz \
 && npm cache clean --force
ENTRYPOINT ["ansible-otel"]
CMD ["serve", "--socket", "/run/ansible-otel/sidecar.sock"]

FROM debian:bookworm-slim AS ansible
RUN apt-get update \
 && apt-get install -y --no-install-recommends ansible-core \
 && rm -rf /var/lib/apt/lists/*
COPY plugin/otel_sidecar.py /usr/share/ansible/plugins/callback/otel_sidecar.py
WORKDIR /work
ENV ANSIBLE_CALLBACKS_ENABLED=otel_sidecar \
    ANSIBLE_OTEL_SOCKET=/run/ansible-otel/sidecar.sock
