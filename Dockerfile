# Palisade sidecar image (first cut). Node 24 LTS; runs as a non-root user; no shell needed at runtime.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY bench ./bench
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
USER node
# inbound mTLS, admin (/metrics /healthz /readyz)
EXPOSE 8443 9901
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["run", "-c", "/etc/palisade/palisade.yaml"]
