// The package must run in a browser or Deno: no `node:` imports anywhere in its import graph
// (zod included), and no Node globals at run time. Both checks use the built `dist/`, which is what
// users load; it is built here first when missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const distEntry = join(packageDir, 'dist/index.js');
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
// Every entry point the exports map publishes, e.g. { '.': '…/dist/index.js', './v4': '…/dist/v4.js' }.
const entries: Record<string, string> = Object.fromEntries(
  Object.entries(manifest.exports as Record<string, string | { default: string }>)
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, target]) => [
      subpath,
      join(packageDir, typeof target === 'string' ? target : target.default),
    ]),
);
const CSR = readFileSync(new URL('./fixtures/v4/csr-rsa.pem', import.meta.url), 'utf8');
const NODE_GLOBALS = [
  'process',
  'Buffer',
  'global',
  'setImmediate',
  'clearImmediate',
  'require',
  'module',
  '__filename',
  '__dirname',
];

beforeAll(() => {
  if (Object.values(entries).some((entry) => !existsSync(entry))) {
    execFileSync(
      process.execPath,
      [join(packageDir, '../../node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: packageDir,
        stdio: 'inherit',
      },
    );
  }
}, 60_000);

const IMPORT =
  /(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Resolves a bare specifier to the ESM entry its package exports under "import" (or "default"). */
function resolvePackage(specifier: string, fromDir: string): string {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', specifier, 'package.json');
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8'));
      const root = manifest.exports?.['.'];
      const target =
        typeof root === 'string' ? root : (root?.import ?? root?.default ?? manifest.module ?? manifest.main);
      return resolve(dirname(candidate), target);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot resolve ${specifier}`);
    dir = parent;
  }
}

function importGraph(entry: string): { files: Set<string>; specifiers: Map<string, string> } {
  const files = new Set<string>();
  const specifiers = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(IMPORT)) {
      const specifier = (match[1] ?? match[2])!;
      specifiers.set(specifier, file);
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        queue.push(resolvePackage(specifier, dirname(file)));
      }
    }
  }
  return { files, specifiers };
}

describe('portability', () => {
  it('publishes the default entry, ./v4 and ./schemas', () => {
    expect(Object.keys(entries)).toEqual(['.', './v4', './schemas']);
  });

  it.each(Object.keys(entries))('imports no Node built-in module in the import graph of %s', (subpath) => {
    const { specifiers } = importGraph(entries[subpath]!);
    const builtins = [...specifiers.entries()].filter(
      ([s]) => s.startsWith('node:') || builtinModules.includes(s.split('/')[0]!),
    );
    expect(builtins).toEqual([]);
  });

  it('loads zod only through ./schemas, so the codec entries stay cheap to import', () => {
    const loadsZod = (subpath: string): boolean =>
      [...importGraph(entries[subpath]!).files].some((f) => f.includes(`${'/'}zod${'/'}`));
    expect(loadsZod('.')).toBe(false);
    expect(loadsZod('./v4')).toBe(false);
    expect(loadsZod('./schemas')).toBe(true);
    const bare = [...importGraph(entries['./schemas']!).specifiers.keys()].filter((s) => !s.startsWith('.'));
    expect(bare).toEqual(['zod']);
  });

  it('declares zod as its only runtime dependency', () => {
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['zod']);
  });

  it('mentions no Node global in its own built code', () => {
    const files = Object.values(entries).flatMap((entry) => [...importGraph(entry).files]);
    const own = [...new Set(files)].filter((f) => f.startsWith(join(packageDir, 'dist')));
    expect(own.length).toBeGreaterThan(15);
    const pattern = new RegExp(`\\b(${NODE_GLOBALS.join('|')})\\b(?!\\s*:)`);
    for (const file of own) {
      // Comments may talk about Node; code may not use it.
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1')
        .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
      expect(code.match(pattern)?.[0], file).toBeUndefined();
    }
  });

  it('loads and works with every Node global removed', () => {
    const script = `
      for (const name of ${JSON.stringify(NODE_GLOBALS)}) delete globalThis[name];
      const left = ${JSON.stringify(NODE_GLOBALS)}.filter((name) => name in globalThis);
      if (left.length > 0) throw new Error('could not remove ' + left.join(', '));
      const p = await import(${JSON.stringify(pathToFileURL(distEntry).href)});
      const s = await import(${JSON.stringify(pathToFileURL(entries['./schemas']!).href)});
      const v4 = await import(${JSON.stringify(pathToFileURL(entries['./v4']!).href)});
      const csr = ${JSON.stringify(CSR)};
      const asked = v4.encodeCsrRequests({ requests: [{ certificateSigningRequest: csr.replace(/\\n/g, '\\r\\n'), ca: false }] });
      const requests = v4.decodeRequirerRequests({ units: [{ relationId: 'r:1', unit: 'app/0', data: asked.data }] });
      const answered = v4.encodeProviderAppData({ certificates: [], requestErrors: requests.requests.map((r) =>
        ({ csr: r.certificateSigningRequest, error: { code: 999, name: 'OTHER', message: 'x' } })) });
      const v4view = v4.decodeProviderAppData(answered.data);
      const req = p.encodeRequirerData({ unitName: 'app/0', requests: [
        { type: 'server', commonName: 'a.test', sans: ['é'] },
        { type: 'server', commonName: 'b.test', sans: null },
        { type: 'client', commonName: 'c', sans: null },
        { type: 'application', commonName: 'app', sans: null },
        { type: 'intermediate', commonName: 'i', sans: null },
      ] });
      const decoded = p.decodeRequirerData(req.data, 'app/0');
      const prov = p.encodeProviderData({ ca: 'CA', answers: decoded.requests.map((request) =>
        ({ unitName: decoded.unitName, request, cert: 'C', key: 'K' })) });
      const view = p.decodeProviderData({ unitName: 'app/0', published: req.data,
        units: [{ relationId: 'r:1', unit: 'ca/0', data: { ...prov.data, 'app_0.processed_requests': '{bad' } }] });
      const pem = p.extractPemBlocks('dump\\r\\n-----BEGIN CERTIFICATE-----\\r\\nAAAA\\r\\n-----END CERTIFICATE-----');
      const schemas = [s.RequirerDatabag.safeParse(req.data).success, s.ProviderDatabag.safeParse(prov.data).success];
      console.log(JSON.stringify({
        uuid: req.data.certificate_name, sans: req.data.sans, requests: decoded.requests.length,
        server: view.server.length, client: view.client.length, intermediate: view.intermediate.length,
        application: view.application?.cert, problems: view.problems.map((e) => [e.name, e.code]),
        pem: p.joinPem(pem[0].pem), schemas, py: p.pyJsonDumps({ b: [1.5e-7, NaN], a: '\\u{1F600}' }),
        v4: [requests.requests.length, v4view.requestErrors.length, v4.pemEquals(csr, v4view.requestErrors[0].csr),
          v4.detectDialect({ app: answered.data }), v4view.problems.length],
      }));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toEqual({
      uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      sans: '["\\u00e9"]',
      requests: 5,
      server: 1,
      client: 1,
      intermediate: 1,
      application: 'C',
      problems: [['ProtocolError', 'ERR_PROTOCOL_INVALID_JSON']],
      pem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      schemas: [true, true],
      py: '{"a": "\\ud83d\\ude00", "b": [1.5e-07, NaN]}',
      v4: [1, 1, true, 'v4', 0],
    });
  });

  it('leaks no `any` in the built declarations', () => {
    const dist = pathToFileURL(join(packageDir, 'dist/'));
    const declarations = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.d.ts'),
    );
    expect(declarations).toContain('index.d.ts');
    expect(declarations).toContain('v4.d.ts');
    for (const file of declarations) {
      const text = readFileSync(new URL(file, dist), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
      expect(text.match(/\bany\b/)?.[0], file).toBeUndefined();
    }
  });
});
