// The demo charm's entry point: `dispatch` runs this file for every hook. It declares what the unit
// wants (one server and one client certificate), lets the layer do the relation work, and turns the
// layer's state into a workload status.
import { hostname } from 'node:os';
import { FlagStore } from '@tls-client/flags';
import { getHookContext, HookTools } from '@tls-client/hookenv';
import { TLS_CLIENT_FLAGS, TlsClient } from '@tls-client/layer';
import {
  DemoConfigError,
  type DemoPaths,
  type DemoProtocol,
  resolvePaths,
  resolveProtocol,
} from './config.js';
import { describeChanges } from './describe-changes.js';
import { chooseStatus } from './status.js';
import { INPUTS_KEY, needsRefresh, pickOptions, type UnitInputs } from './unit-inputs.js';

const ENDPOINT = 'certificates';

/** The unit's addresses on the endpoint's network: one `network-get` (unit-get is legacy). */
async function addresses(tools: HookTools): Promise<{ ingress: string; others: string[] }> {
  try {
    const info = await tools.networkGet(ENDPOINT);
    const bind = info.bindAddresses.flatMap((b) => b.addresses.map((a) => a.value));
    const all = [...info.ingressAddresses, ...bind].filter((a) => a !== '');
    const [ingress, ...others] = all;
    if (ingress !== undefined) return { ingress, others };
  } catch {
    // An agent without network-get for this endpoint: fall back to the legacy unit-get below.
  }
  const [publicAddress, privateAddress] = await Promise.all([
    tools.unitGet('public-address'),
    tools.unitGet('private-address'),
  ]);
  return { ingress: publicAddress, others: [privateAddress] };
}

/** The unit-state key of the last workload status this charm set. */
const STATUS_KEY = 'demo.workload-status';

async function main(): Promise<void> {
  const context = getHookContext();
  const charmDir = context.charmDir;
  const app = context.appName;
  const tools = new HookTools();

  // Config and addresses change only with a config-changed hook (or install, start, upgrade): read
  // them there, in one round (hook tools are processes: both at once), and reuse them otherwise.
  const cached = readStoredValue(charmDir, INPUTS_KEY);
  let inputs: UnitInputs;
  if (needsRefresh(context.hookName, cached)) {
    const [config, unitAddresses] = await Promise.all([tools.configGet(), addresses(tools)]);
    inputs = { config: pickOptions(config), ...unitAddresses };
  } else inputs = cached as UnitInputs;
  let paths: DemoPaths | undefined;
  let protocol: DemoProtocol = 'auto';
  let configError: string | undefined;
  try {
    protocol = resolveProtocol(inputs.config);
    paths = resolvePaths(inputs.config, charmDir);
  } catch (error) {
    if (!(error instanceof DemoConfigError)) throw error;
    configError = error.message;
  }

  const client = new TlsClient({
    endpoint: ENDPOINT,
    protocol,
    ...(paths ? { caCertificatePath: paths.caCert } : {}),
  });
  if (paths) {
    const { ingress, others } = inputs;
    const sans = [...new Set([ingress, ...others, hostname()])];
    client.requestServerCert(ingress, sans, { certPath: paths.serverCert, keyPath: paths.serverKey });
    client.requestClientCert(app, undefined, { certPath: paths.clientCert, keyPath: paths.clientKey });
  }

  // The layer's reload signal: this handler runs while a change (new, renewed or rotated files, a
  // new CA) is pending, and the layer acknowledges it (clears every *.changed flag) once it resolves.
  // A real charm would reload its service here so that it picks up the new files and CA.
  client.whenChanged(async (changes) => {
    await tools.jujuLog(`certificates changed (${describeChanges(changes)}): reloading the workload`);
  }, 'demo.reload-workload');

  const result = await client.run();

  const status = chooseStatus({
    related: result.connected,
    caSaved: client.flags.isSet(TLS_CLIENT_FLAGS.caSaved),
    certsSaved: client.flags.isSet(TLS_CLIENT_FLAGS.certsSaved),
    problems: client.problems(),
    certificates: result.certificates,
    configError,
  });
  // status-set takes effect at once and costs a hook-tool call: skip it when the status is the one
  // this charm set last (kept in the unit's flag store, committed only after status-set succeeded).
  const last = client.flags.getValue<{ status: string; message: string }>(STATUS_KEY);
  if (last?.status !== status.status || last.message !== status.message) {
    await tools.statusSet(status.status, status.message);
    client.flags.setValue(STATUS_KEY, { status: status.status, message: status.message });
  }
  client.flags.setValue(INPUTS_KEY, inputs);
  // Writes only what changed; nothing at all in a steady hook.
  await client.flags.commit();
}

/** A value of the unit's flag store before `run()` opens it (undefined when there is none yet). */
function readStoredValue(charmDir: string, key: string): unknown {
  try {
    return FlagStore.open({ charmDir }).getValue(key);
  } catch {
    // No readable state yet: the hook reads everything from Juju, and run() reports a bad store.
    return undefined;
  }
}

main().catch((error: unknown) => {
  // Juju shows the hook as failed and retries it; the message carries no secret (the layer's
  // errors name keys and paths, never values).
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`demo charm: hook failed: ${message}\n`);
  process.exitCode = 1;
});
