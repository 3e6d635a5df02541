import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import { HookTools } from '@tls-client/hookenv';
import { TlsClient } from '@tls-client/layer';

const tools = new HookTools();
const tls = new TlsClient({ caCertificatePath: '/etc/myapp/ca.crt' });
const [publicIp, privateIp] = await Promise.all([
  tools.unitGet('public-address'),
  tools.unitGet('private-address'),
]);
tls.requestServerCert(publicIp, [publicIp, privateIp, hostname()], {
  certPath: '/etc/myapp/server.crt',
  keyPath: '/etc/myapp/server.key',
});

// The one reload signal: runs when a certificate's files or the CA changed (in this hook, or in an
// earlier one whose reload failed), and acknowledges the change once the reload succeeded.
tls.whenChanged(async () => {
  await promisify(execFile)('systemctl', ['reload-or-restart', 'myapp']);
});

// Rejects only for our own failures (a file that cannot be written, …): the hook fails, Juju retries.
const result = await tls.run();

// Problems about data we depend on block; warnings (data we never requested) do not.
const error = result.problems.find((p) => p.severity === 'error');
const server = result.certificates.find((c) => c.type === 'server');
if (!result.connected) {
  await tools.statusSet('blocked', 'needs a certificates relation');
} else if (error !== undefined) {
  await tools.statusSet('blocked', `bad certificate data: ${error.code} (see juju debug-log)`);
} else if (server === undefined) {
  await tools.statusSet('waiting', 'waiting for the server certificate');
} else if (server.expired) {
  // Kept and used: an expired certificate beats none while the provider catches up.
  const days = Math.floor((Date.now() - Date.parse(server.notAfter)) / 86_400_000);
  await tools.statusSet('active', `server certificate expired ${days} days ago`);
} else {
  await tools.statusSet('active', 'ready');
}
