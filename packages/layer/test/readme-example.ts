// The README's example, kept here so `pnpm typecheck` proves it compiles (it runs only inside a hook).
import { hostname } from 'node:os';
import { HookTools } from '@tls-client/hookenv';
import { TlsClient } from '../src/index.js';

const tools = new HookTools();
const tls = new TlsClient({ caCertificatePath: '/etc/myapp/ca.crt' });
const [publicIp, privateIp] = [await tools.unitGet('public-address'), await tools.unitGet('private-address')];
tls.requestServerCert(publicIp, [publicIp, privateIp, hostname()], {
  certPath: '/etc/myapp/server.crt',
  keyPath: '/etc/myapp/server.key',
});
tls.requestClientCert('system:myapp', null, {
  certPath: '/etc/myapp/client.crt',
  keyPath: '/etc/myapp/client.key',
});
tls.when('tls_client.certs.changed', async () => {
  await tools.statusSet('active', 'certificates ready'); // restart your service here
  tls.flags.clear('tls_client.certs.changed');
});
const { problems } = await tls.run();
if (problems.length > 0) await tools.statusSet('blocked', `bad certificate data: ${problems[0]?.code}`);
