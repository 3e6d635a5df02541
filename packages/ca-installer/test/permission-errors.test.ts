// Issue 15: a permission error of the installer names the way out.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCa, tempDir } from './helpers.js';

const entry = new URL('../dist/index.js', import.meta.url).pathname;
const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('CaInstaller permission errors (needs root to drop to nobody)', () => {
  it('say to set TLS_CLIENT_TRUST_ROOT or pass installCa: false, for the record file and the anchor directory', async () => {
    const dir = await tempDir();
    await chmod(dir, 0o755);
    const ca = await makeCa(dir, 'Perm CA');
    const pemFile = join(dir, 'ca.pem');
    await writeFile(pemFile, ca.pem, { mode: 0o644 });
    // A root-owned trust root, as the host's is: nobody can read it but not write it.
    const root = join(dir, 'root');
    await mkdir(join(root, 'usr/local/share/ca-certificates'), { recursive: true, mode: 0o755 });
    const code = `
      import { readFileSync } from 'node:fs';
      const { CaInstaller } = await import(${JSON.stringify(entry)});
      const pem = readFileSync(${JSON.stringify(pemFile)}, 'utf8');
      process.setgroups([65534]); process.setgid(65534); process.setuid(65534);
      const out = [];
      const installer = new CaInstaller({ root: ${JSON.stringify(root)}, distro: 'debian', updateCommand: '/bin/true' });
      try { await installer.install('app', pem); out.push('installed'); } catch (e) { out.push({ code: e.code, message: e.message }); }
      const own = new CaInstaller({ root: ${JSON.stringify(root)}, distro: 'debian', updateCommand: '/bin/true', recordPath: '/tmp/ca-installer-perm-' + process.pid + '.json' });
      try { await own.install('app', pem); out.push('installed'); } catch (e) { out.push({ code: e.code, message: e.message }); }
      console.log(JSON.stringify(out));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: '/',
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    const [record, anchors] = JSON.parse(run.stdout) as { code: string; message: string }[];
    for (const error of [record, anchors]) {
      expect(error?.code).toBe('ERR_CA_INSTALLER_IO');
      expect(error?.message).toMatch(/\(EACCES\)/);
      expect(error?.message).toContain('set TLS_CLIENT_TRUST_ROOT');
      expect(error?.message).toContain('installCa: false');
    }
    expect(record?.message).toContain('record file');
    expect(anchors?.message).toContain('anchor file');
  });
});
