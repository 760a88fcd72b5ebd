# One recipe for every service:
#   docker build --build-arg SERVICE=booking -t calldesk/booking .
# The build stage compiles the whole monorepo (identical for every SERVICE, so the layer cache
# builds it once); the runtime stage keeps dist/ and production node_modules and runs as non-root.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first: the dependency layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
# SERVICE stays in the environment: the CMD reads it at start, so the ARG reaches runtime (and an
# orchestrator may override it to run another service from the same image).
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY deploy/docker/healthcheck.js ./healthcheck.js
# Fail the build, not the first start, when SERVICE is missing or misspelt.
RUN test -n "${SERVICE}" && test -f "dist/services/${SERVICE}/src/main.js" \
 || { echo "build-arg SERVICE must name a directory under services/ (got '${SERVICE}')" >&2; exit 1; }
# The image's `node` user, numeric so Kubernetes can verify runAsNonRoot. Files stay root-owned:
# the process can read its code but not change it.
USER 1000:1000
EXPOSE 8080 9090
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "healthcheck.js"]
# `exec` makes node PID 1, so SIGTERM reaches the service itself, which drains and exits 0.
CMD ["sh", "-c", "exec node --enable-source-maps \"dist/services/${SERVICE}/src/main.js\""]
