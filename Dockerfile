# Two images from one file:
#   sidecar  the ansible-otel sidecar (`serve` on a socket shared through a volume)
#   ansible  a controller with Debian's ansible-core and the shim, for the compose example
FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
RUN npm ci --no-audit --no-fund && npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20.19-bookworm-slim AS sidecar
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY plugin ./plugin
ENTRYPOINT ["node", "/app/dist/cli/main.cjs"]
CMD ["serve", "--socket", "/run/ansible-otel/sidecar.sock"]

FROM debian:bookworm-slim AS ansible
RUN apt-get update \
 && apt-get install -y --no-install-recommends ansible-core \
 && rm -rf /var/lib/apt/lists/*
COPY plugin/otel_sidecar.py /usr/share/ansible/plugins/callback/otel_sidecar.py
WORKDIR /work
ENV ANSIBLE_CALLBACKS_ENABLED=otel_sidecar \
    ANSIBLE_OTEL_SOCKET=/run/ansible-otel/sidecar.sock
