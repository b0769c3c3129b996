# One image for both apps: the compose file picks the command per service.
# Stage 1: install every dependency and compile the TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json nest-cli.json ./
COPY proto ./proto
COPY libs ./libs
COPY apps ./apps
COPY scripts ./scripts
RUN npx tsc -p tsconfig.json && npm prune --omit=dev --no-audit --no-fund

# Stage 2: production dependencies and compiled code only, run as the unprivileged `node` user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/proto ./proto
# The demo page's static files, read by the RPC app at start (dist/ holds only compiled TypeScript).
COPY --from=build /app/apps/rpc/src/demo/public ./apps/rpc/src/demo/public
USER node
CMD ["node", "dist/apps/gateway/src/main.js"]
