# syntax=docker/dockerfile:1
# One image, three binaries: diagnose-operator (the Deployment), diagnose-collector (the
# Job the operator starts on a node) and kubectl-diagnose (the kubectl plugin).
#   docker build -t ghcr.io/diagnose-dev/diagnose-operator:0.1.0 .
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: compile TypeScript with the dev dependencies, then drop them ---------------------
# The operator and the collector run as minified esbuild bundles (hack/bundle-operator.ts: a
# smaller heap and RSS for the operator, a faster start for every collector Job than tsc's
# per-file output); the CLI runs from tsc's dist/operator/.
# build:js, not build: the image has Node, so it does not need the one-file collector
# (build:collector-binary) that hosts without Node get.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY hack/bundle-operator.ts ./hack/bundle-operator.ts
COPY operator ./operator
# Type declarations and the dependencies' source maps are not read at run time (~40 MiB); the
# operator bundle's own map stays (stack traces of minified code with --enable-source-maps).
RUN npm run build:js \
 && npm prune --omit=dev --no-audit --no-fund \
 && find node_modules dist -type f -name '*.d.ts' -delete \
 && find node_modules -type f -name '*.map' -delete \
 && chmod 0755 dist/operator-bundle/diagnose-operator.mjs dist/collector-bundle/diagnose-collector.cjs dist/operator/cli/main.js

# --- runtime: Debian slim + Node 24 + exactly the node tools the collector runs --------------
FROM ${NODE_IMAGE} AS runtime
# iproute2: ip, tc, ss, nstat   iptables: iptables-save (nft + legacy)   nftables: nft
# conntrack: conntrack -S/-C    linux-perf: perf record/script   procps: ps, pgrep, sysctl
# util-linux: nsenter (run a probe inside the pod's network namespace), dmesg
# test/unit/dockerfileTools.test.ts checks this list against every command the collector runs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      conntrack \
      iproute2 \
      iptables \
      linux-perf \
      nftables \
      procps \
      util-linux \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production
WORKDIR /opt/diagnose-operator
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The package.json "bin" entries, without npm link.
RUN ln -s /opt/diagnose-operator/dist/operator-bundle/diagnose-operator.mjs /usr/local/bin/diagnose-operator \
 && ln -s /opt/diagnose-operator/dist/collector-bundle/diagnose-collector.cjs /usr/local/bin/diagnose-collector \
 && ln -s /opt/diagnose-operator/dist/operator/cli/main.js /usr/local/bin/kubectl-diagnose

# Non-root by default; the collector Job sets its own security context (root, its checks' capabilities).
USER 65532:65532
CMD ["diagnose-operator"]
