import { UBUNTU_CHANNELS } from './architectures.js';

/**
 * The `dispatch` script: Juju runs it (mode 0755) for every hook and action. It sets
 * `JUJU_DISPATCH_PATH` when an agent older than 2.8 did not, from the name it was run as
 * (`hooks/<name>` or `actions/<name>`), then runs the bundle on the charm's own `bin/node`.
 * No subprocess is started before Node: the charm folder comes from `JUJU_CHARM_DIR`. Node's
 * compile cache (`.node-compile-cache/` in the charm folder) spares later hooks compiling the bundle.
 */
export function dispatchScript(entryPath: string): string {
  return `#!/bin/sh
# Written by charm-pack. Juju runs this file for every hook and action, from the charm folder.
# Juju 2.8+ sets JUJU_DISPATCH_PATH (hooks/<name>); for older agents derive it from how we were run.
if [ -z "\${JUJU_DISPATCH_PATH:-}" ]; then
  case "$0" in
    */hooks/* | hooks/*) JUJU_DISPATCH_PATH="hooks/\${0##*/}" ;;
    */actions/* | actions/*) JUJU_DISPATCH_PATH="actions/\${0##*/}" ;;
    *) JUJU_DISPATCH_PATH="$0" ;;
  esac
  export JUJU_DISPATCH_PATH
fi
charm_dir="\${JUJU_CHARM_DIR:-$(cd "$(dirname "$0")" && pwd)}"
# Node keeps the compiled bundle here after the first hook, so later hooks skip compiling it.
NODE_COMPILE_CACHE="\${NODE_COMPILE_CACHE:-$charm_dir/.node-compile-cache}"
export NODE_COMPILE_CACHE
exec "$charm_dir/bin/node" "$charm_dir/${entryPath}"
`;
}

/** `bin/<name>`: runs one bundled program on the charm's own Node, from any working directory. */
export function binScript(name: string, entryPath: string): string {
  return `#!/bin/sh
# Written by charm-pack: ${name} on the charm's own Node (bin/node beside this file).
bin_dir="$(cd "$(dirname "$0")" && pwd)"
exec "$bin_dir/node" "$bin_dir/../${entryPath}" "$@"
`;
}

/** `manifest.yaml` for one architecture: bases ubuntu 22.04 and 24.04, channels as quoted strings. */
export function manifestYaml(architecture: string): string {
  const bases = UBUNTU_CHANNELS.map(
    (channel) => `  - name: ubuntu\n    channel: '${channel}'\n    architectures:\n      - ${architecture}\n`,
  ).join('');
  return `# Written by charm-pack. Juju reads only "bases"; a channel must be a quoted string.\nbases:\n${bases}`;
}
