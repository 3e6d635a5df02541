#!/usr/bin/env bash
# `npm run demo` / `pnpm demo`: bootstrap, then run the demo charm under the fake Juju and embedded CA.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${TLS_CLIENT_SKIP_BOOTSTRAP:-}" != "1" ]; then
  bash tooling/scripts/bootstrap.sh
fi
exec node examples/demo-charm/dist/demo.js "$@"
