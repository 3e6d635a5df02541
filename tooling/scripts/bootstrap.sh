#!/usr/bin/env bash
# Brings a fresh machine (Node 20 + npm only) to a built workspace: pnpm, dependencies, dist/.
# Idempotent: cheap when everything is already in place.
set -euo pipefail
cd "$(dirname "$0")/../.."
PNPM_VERSION=12.4.2
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "bootstrap: installing pnpm@$PNPM_VERSION with npm" >&2
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >&2
fi
echo "bootstrap: pnpm install --frozen-lockfile" >&2
pnpm install --frozen-lockfile --reporter=append-only >&2
echo "bootstrap: building every package" >&2
pnpm -r --workspace-concurrency=1 run build >&2
