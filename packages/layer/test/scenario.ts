import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmbeddedCa } from '@tls-client/testing';
import { expect } from 'vitest';
import type { CharmSpec, Harness } from './helpers.js';

/** The requests of the standard test charm: two server certificates and a client certificate. */
export function standardSpec(out: string, extra: Partial<CharmSpec> = {}): CharmSpec {
  return {
    options: { caCertificatePath: join(out, 'ca', 'ca.crt') },
    requests: [
      {
        type: 'server',
        commonName: 'myapp.internal',
        sans: ['myapp.internal', '10.0.0.10'],
        files: { certPath: join(out, 'server', 'server.crt'), keyPath: join(out, 'server', 'server.key') },
      },
      {
        type: 'server',
        commonName: 'admin.myapp.internal',
        sans: ['admin.myapp.internal'],
        files: { certPath: join(out, 'admin', 'admin.crt'), keyPath: join(out, 'admin', 'admin.key') },
      },
      {
        type: 'client',
        commonName: 'system:myapp',
        sans: null,
        files: { certPath: join(out, 'client', 'client.crt'), keyPath: join(out, 'client', 'client.key') },
      },
    ],
    ...extra,
  };
}

/** Paths of the standard spec's files. */
export function standardFiles(out: string) {
  return {
    serverCert: join(out, 'server', 'server.crt'),
    serverKey: join(out, 'server', 'server.key'),
    adminCert: join(out, 'admin', 'admin.crt'),
    adminKey: join(out, 'admin', 'admin.key'),
    clientCert: join(out, 'client', 'client.crt'),
    clientKey: join(out, 'client', 'client.key'),
    caCopy: join(out, 'ca', 'ca.crt'),
  };
}

/** install → relation joined → changed (requests published) → the CA answers → changed. */
export async function connectAndIssue(h: Harness, ca: EmbeddedCa): Promise<string> {
  expectOk(await h.hook('install'));
  const rel = h.model.addRelation('certificates', 'easyrsa');
  h.model.addRemoteUnit(rel, 'easyrsa/0');
  expectOk(await h.hook('certificates-relation-joined', { relationId: rel }));
  expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
  await ca.answer(h.model, rel);
  expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
  return rel;
}

/** Runs a hook in which the charm clears every `*.changed` flag, so the next hook's flags stand out. */
export async function clearChangedFlags(h: Harness, spec: CharmSpec): Promise<void> {
  await h.setSpec({ ...spec, clearChanged: true });
  expectOk(await h.hook('update-status'));
  await h.setSpec(spec);
  expect((await h.flags()).filter((f) => f.endsWith('.changed'))).toEqual([]);
}

export function expectOk(run: {
  exitCode: number;
  stderr: string;
  last: { ok: boolean; message?: string };
}): void {
  expect(run.last, `hook failed: ${run.last.message ?? ''} ${run.stderr}`).toMatchObject({ ok: true });
  expect(run.exitCode).toBe(0);
}

export async function countCertificates(path: string): Promise<number> {
  return ((await readFile(path, 'utf8')).match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
}
