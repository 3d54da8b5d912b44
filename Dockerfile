# syntax=docker/dockerfile:1
# The Palisade sidecar image.
#   docker build -t palisade:0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg SOURCE_URL="$(git remote get-url origin)" .
# Both base images are pinned by version here; for a release, pin them by digest too
# (README "Deploy": `docker inspect --format "{{index .RepoDigests 0}}" IMAGE` after a pull gives IMAGE@sha256:...).
# Runtime: the Node binary on distroless/cc (glibc and libstdc++, no shell, no package manager),
# numeric non-root user, works with a read-only root filesystem (nothing is written at runtime).
ARG NODE_IMAGE=node:24.9.0-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY bench ./bench
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${RUNTIME_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE_URL=unknown
LABEL org.opencontainers.image.title="palisade" \
      org.opencontainers.image.description="Security-probing sidecar proxy for machine-to-machine traffic: mTLS, request signatures, token scopes." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="gcr.io/distroless/cc-debian12:nonroot"
COPY --from=build /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
ENV NODE_ENV=production
USER 10001:10001
# inbound mTLS, admin (/metrics /healthz /readyz); /identities stays on loopback (9902)
EXPOSE 8443 9901
# `palisade run` drains on SIGTERM within drainTimeoutMs; keep that below the pod's
# terminationGracePeriodSeconds (deploy/kubernetes/base/deployment.yaml: 15 s drain, 45 s grace).
STOPSIGNAL SIGTERM
# Memory flags (src/cli/node-flags.ts says why): a 2 MiB young-generation semi-space, and no
# TurboFan tier-up of undici's WebAssembly HTTP parser (its compile is the process's peak RSS).
ENTRYPOINT ["/usr/local/bin/node", "--max-semi-space-size=2", "--liftoff-only", "/app/dist/src/cli/main.js"]
CMD ["run", "-c", "/etc/palisade/palisade.yaml"]
