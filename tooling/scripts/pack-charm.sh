#!/usr/bin/env bash
# `pnpm pack:charm`: bootstrap (unless TLS_CLIENT_SKIP_BOOTSTRAP=1), then pack the demo charm with
# @tls-client/charm-pack. Progress goes to stderr; the path of each .charm written is printed on
# stdout, one per line, as the last lines of the output. Extra arguments go to charm-pack
# (e.g. --arch amd64,arm64, --out DIR).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${TLS_CLIENT_SKIP_BOOTSTRAP:-}" != "1" ]; then
  bash tooling/scripts/bootstrap.sh
fi
exec node packages/charm-pack/dist/cli.js examples/demo-charm "$@"
