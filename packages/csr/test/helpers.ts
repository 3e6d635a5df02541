import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

/** Runs `openssl req -verify -noout` on a CSR PEM; returns the exit status and output. */
export function opensslVerifyCsr(pem: string, extra: string[] = []): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'csr-test-'));
  try {
    const file = join(dir, 'req.pem');
    writeFileSync(file, `${pem}\n`);
    const run = spawnSync('openssl', ['req', '-in', file, '-verify', '-noout', ...extra], {
      encoding: 'utf8',
    });
    return { status: run.status, out: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
