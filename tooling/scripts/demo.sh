#!/usr/bin/env bash
# `npm run demo` / `pnpm demo`: bootstrap, pack the demo charm (`pnpm pack:charm`), then run that
# .charm, unpacked into an empty temp folder, under the fake Juju and embedded CA. The hooks run on
# the charm's own bin/node.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${TLS_CLIENT_SKIP_BOOTSTRAP:-}" != "1" ]; then
  bash tooling/scripts/bootstrap.sh
fi
charm="$(TLS_CLIENT_SKIP_BOOTSTRAP=1 bash tooling/scripts/pack-charm.sh | tail -n 1)"
exec node examples/demo-charm/dist/demo.js --charm "$charm" "$@"
