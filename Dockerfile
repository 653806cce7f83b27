# syntax=docker/dockerfile:1
# Ferry's production image: the compiled build only (`pnpm build`), run by a non-root user.
#   docker build -t ferry .
#   web:    docker run ferry                                  (node scripts/launch.mjs web)
#   worker: docker run ferry node scripts/launch.mjs worker
# compose.yaml runs Postgres, two web replicas behind nginx and two workers from this image.

FROM node:24-bookworm-slim AS base
ENV PNPM_CONFIG_UPDATE_NOTIFIER=false NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
RUN npm install -g --no-audit --no-fund pnpm@12.4.2
WORKDIR /app

# Everything installed, then built: Next's pages into apps/web/.next, the server and the worker
# bundled (workspace packages included) into apps/web/.next/ferry and apps/worker/dist.
FROM base AS build
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm build \
 && rm -rf apps/web/.next/cache \
 # Only what the bundles load at runtime stays: production dependencies of web and worker.
 && pnpm install --frozen-lockfile --prod --filter @ferry/web --filter @ferry/worker

FROM node:24-bookworm-slim AS runtime
# Fewer glibc malloc arenas: the same work in far less resident memory for a Node server.
ENV NODE_ENV=production MALLOC_ARENA_MAX=2 HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/scripts/launch.mjs /app/scripts/build-stamp.mjs ./scripts/
COPY --from=build --chown=node:node /app/packages/db/drizzle ./packages/db/drizzle
COPY --from=build --chown=node:node /app/apps/web/package.json ./apps/web/package.json
COPY --from=build --chown=node:node /app/apps/web/node_modules ./apps/web/node_modules
COPY --from=build --chown=node:node /app/apps/web/.next ./apps/web/.next
COPY --from=build --chown=node:node /app/apps/worker/package.json ./apps/worker/package.json
COPY --from=build --chown=node:node /app/apps/worker/node_modules ./apps/worker/node_modules
COPY --from=build --chown=node:node /app/apps/worker/dist ./apps/worker/dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "scripts/launch.mjs", "web"]
