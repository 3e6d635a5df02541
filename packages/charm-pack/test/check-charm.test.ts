import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { checkCharm, dispatchScript, manifestYaml, writeZip, type ZipMember } from '../src/index.js';
import { METADATA } from './helpers.js';

const text = (s: string) => Buffer.from(s, 'utf8');
/** An x86-64 ELF header, enough for the architecture check. */
const ELF_X64 = Buffer.concat([
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
  Buffer.alloc(10),
  Buffer.from([62, 0]),
  Buffer.alloc(44),
]);

function members(overrides: Record<string, Partial<ZipMember> | null> = {}): ZipMember[] {
  const base: Record<string, ZipMember> = {
    'metadata.yaml': { path: 'metadata.yaml', mode: 0o644, data: text(METADATA) },
    'manifest.yaml': { path: 'manifest.yaml', mode: 0o644, data: text(manifestYaml('amd64')) },
    dispatch: { path: 'dispatch', mode: 0o755, data: text(dispatchScript('lib/charm.mjs')) },
    'bin/node': { path: 'bin/node', mode: 0o755, data: ELF_X64 },
    'lib/charm.mjs': { path: 'lib/charm.mjs', mode: 0o644, data: text('export {};\n') },
  };
  for (const [path, change] of Object.entries(overrides)) {
    if (change === null) delete base[path];
    else base[path] = { ...base[path], path, mode: 0o644, data: text(''), ...change } as ZipMember;
  }
  return Object.values(base);
}

async function faults(bytes: Uint8Array) {
  const result = await checkCharm(bytes);
  return result.faults;
}

/** A zip written with fflate's defaults where asked: MS-DOS creator, no Unix mode. */
function rawZip(files: Record<string, [Uint8Array, { os?: number; attrs?: number }?]>): Uint8Array {
  return zipSync(
    Object.fromEntries(Object.entries(files).map(([p, [data, opts]]) => [p, [data, { ...opts }]])),
  );
}

describe('checkCharm', () => {
  it('accepts a charm as the packer writes it', async () => {
    expect(await faults(writeZip(members()))).toEqual([]);
  });

  it.each([
    ['name', 'metadata-missing-field', 'summary: s\ndescription: d\n'],
    ['summary', 'metadata-missing-field', 'name: tiny\ndescription: d\n'],
    ['description', 'metadata-missing-field', 'name: tiny\nsummary: s\n'],
    ['series', 'metadata-series', `${METADATA}series: [jammy]\n`],
    ['an invalid name', 'metadata-invalid-name', 'name: Tiny_Charm\nsummary: s\ndescription: d\n'],
  ])('rejects metadata.yaml with %s missing or wrong', async (_what, code, metadata) => {
    const found = await faults(writeZip(members({ 'metadata.yaml': { data: text(metadata) } })));
    expect(found.map((f) => f.code)).toEqual([code]);
    expect(found[0]!.path).toBe('metadata.yaml');
  });

  it('rejects a charm without metadata.yaml', async () => {
    expect((await faults(writeZip(members({ 'metadata.yaml': null })))).map((f) => f.code)).toEqual([
      'missing-metadata',
    ]);
  });

  it('rejects members under a folder instead of at the top level', async () => {
    const nested = members().map((m) => ({ ...m, path: `demo/${m.path}` }));
    const found = await faults(writeZip(nested));
    expect(found.map((f) => f.code)).toContain('not-top-level');
    expect(found.find((f) => f.code === 'not-top-level')!.message).toContain('demo/metadata.yaml');
  });

  it('rejects a manifest whose channel is a YAML float, naming the base', async () => {
    const manifest = 'bases:\n  - name: ubuntu\n    channel: 22.04\n    architectures: [amd64]\n';
    const found = await faults(writeZip(members({ 'manifest.yaml': { data: text(manifest) } })));
    expect(found.map((f) => f.code)).toEqual(['manifest-channel-not-string']);
    expect(found[0]!.message).toContain('bases[0]');
    expect(found[0]!.message).toContain("'22.04'");
  });

  it('rejects a charm without manifest.yaml, and one with no bases', async () => {
    expect((await faults(writeZip(members({ 'manifest.yaml': null })))).map((f) => f.code)).toEqual([
      'missing-manifest',
    ]);
    const empty = writeZip(members({ 'manifest.yaml': { data: text('bases: []\n') } }));
    expect((await faults(empty)).map((f) => f.code)).toEqual(['manifest-no-bases']);
  });

  it('rejects a charm without dispatch', async () => {
    expect((await faults(writeZip(members({ dispatch: null })))).map((f) => f.code)).toEqual([
      'missing-dispatch',
    ]);
  });

  it('rejects dispatch at 0644 in the zip', async () => {
    const found = await faults(
      writeZip(members({ dispatch: { mode: 0o644, data: text(dispatchScript('lib/charm.mjs')) } })),
    );
    expect(found.map((f) => f.code)).toEqual(['dispatch-not-executable']);
    expect(found[0]!.message).toContain('0644');
  });

  it('rejects a zip made with an MS-DOS creator, where Juju gives dispatch 0666', async () => {
    const zip = rawZip(
      Object.fromEntries(members().map((m) => [m.path, ['data' in m ? m.data : new Uint8Array()]])),
    );
    const found = await faults(zip);
    expect(found.map((f) => f.code)).toEqual(['dispatch-not-executable', 'dispatch-target-not-executable']);
    expect(found[0]!.message).toContain('MS-DOS');
    expect(found[0]!.message).toContain('0666');
  });

  it('rejects a symlink that leaves the charm', async () => {
    const unix = (mode: number) => ({ os: 3, attrs: (mode << 16) >>> 0 });
    const files = Object.fromEntries(
      members().map((m) => [m.path, ['data' in m ? m.data : new Uint8Array(), unix(0o100000 | m.mode)]]),
    ) as Record<string, [Uint8Array, { os: number; attrs: number }]>;
    files['lib/escape'] = [text('../../etc/passwd'), unix(0o120777)];
    files['lib/inside'] = [text('charm.mjs'), unix(0o120777)];
    const found = await faults(rawZip(files));
    expect(found.map((f) => [f.code, f.path])).toEqual([['symlink-escapes', 'lib/escape']]);
  });

  it('rejects a dispatch whose program or bundle is missing', async () => {
    const noNode = await faults(writeZip(members({ 'bin/node': null })));
    expect(noNode.map((f) => [f.code, f.path])).toEqual([['dispatch-target-missing', 'bin/node']]);
    const noBundle = await faults(writeZip(members({ 'lib/charm.mjs': null })));
    expect(noBundle.map((f) => [f.code, f.path])).toEqual([['dispatch-target-missing', 'lib/charm.mjs']]);
  });

  it('rejects a dispatch whose program is not executable', async () => {
    const found = await faults(writeZip(members({ 'bin/node': { mode: 0o644, data: ELF_X64 } })));
    expect(found.map((f) => [f.code, f.path])).toEqual([['dispatch-target-not-executable', 'bin/node']]);
  });

  it('rejects a bin/node built for another architecture than the manifest says', async () => {
    const found = await faults(writeZip(members({ 'manifest.yaml': { data: text(manifestYaml('arm64')) } })));
    expect(found.map((f) => f.code)).toEqual(['architecture-mismatch']);
    expect(found[0]!.message).toContain('amd64');
  });

  it('rejects bytes that are not a zip', async () => {
    expect((await faults(text('not a zip'))).map((f) => f.code)).toEqual(['not-a-zip']);
  });
});
