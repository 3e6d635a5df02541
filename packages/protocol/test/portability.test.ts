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
  if (!existsSync(distEntry)) {
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
  it('imports no Node built-in module anywhere in its import graph, zod included', () => {
    const { files, specifiers } = importGraph(distEntry);
    expect([...files].some((f) => f.includes(`${'/'}zod${'/'}`))).toBe(true);
    const bare = [...specifiers.keys()].filter((s) => !s.startsWith('.'));
    expect(bare).toEqual(['zod']);
    const builtins = [...specifiers.entries()].filter(
      ([s]) => s.startsWith('node:') || builtinModules.includes(s.split('/')[0]!),
    );
    expect(builtins).toEqual([]);
  });

  it('declares zod as its only runtime dependency', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['zod']);
  });

  it('mentions no Node global in its own built code', () => {
    const { files } = importGraph(distEntry);
    const own = [...files].filter((f) => f.startsWith(join(packageDir, 'dist')));
    expect(own.length).toBeGreaterThan(5);
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
      const schemas = [p.RequirerDatabag.safeParse(req.data).success, p.ProviderDatabag.safeParse(prov.data).success];
      console.log(JSON.stringify({
        uuid: req.data.certificate_name, sans: req.data.sans, requests: decoded.requests.length,
        server: view.server.length, client: view.client.length, intermediate: view.intermediate.length,
        application: view.application?.cert, problems: view.problems.map((e) => [e.name, e.code]),
        pem: p.joinPem(pem[0].pem), schemas, py: p.pyJsonDumps({ b: [1.5e-7, NaN], a: '\\u{1F600}' }),
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
    });
  });

  it('leaks no `any` in the built declarations', () => {
    const dist = pathToFileURL(join(packageDir, 'dist/'));
    const declarations = readdirSync(dist).filter((f) => f.endsWith('.d.ts'));
    expect(declarations).toContain('index.d.ts');
    for (const file of declarations) {
      const text = readFileSync(new URL(file, dist), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
      expect(text.match(/\bany\b/)?.[0], file).toBeUndefined();
    }
  });
});
