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
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! pnpm install --frozen-lockfile --reporter=append-only 2>&1 | tee "$log" >&2; then
  # A package added under examples/ or packages/ has no entry in pnpm-lock.yaml yet. Outside CI,
  # update the lockfile (the package's author commits it with the package); CI keeps it frozen.
  if [ "${CI:-}" != "true" ] && grep -Eq 'ERR_PNPM_OUTDATED_LOCKFILE|NO_IMPORTER|importers' "$log"; then
    echo "bootstrap: pnpm-lock.yaml does not cover every workspace package (a new one under examples/ or packages/?): running pnpm install to update it; commit pnpm-lock.yaml with your package" >&2
    pnpm install --reporter=append-only >&2
  else
    exit 1
  fi
fi
echo "bootstrap: building every package" >&2
pnpm -r --workspace-concurrency=1 run build >&2
