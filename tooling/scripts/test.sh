#!/usr/bin/env bash
# `npm test` / `pnpm test`: bootstrap (unless TLS_CLIENT_SKIP_BOOTSTRAP=1), then every test of every
# package, ending with the line `N passed, N failed, N skipped`.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${TLS_CLIENT_SKIP_BOOTSTRAP:-}" != "1" ]; then
  bash tooling/scripts/bootstrap.sh
fi
exec node tooling/scripts/run-tests.mjs "$@"
