// Which workspace packages have a dist/ older than their sources, in build order (dependencies
// first). `test:only` rebuilds them before running vitest, because tests import sibling packages
// through their built dist/: a stale build would be tested otherwise.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOTS = ['packages', 'examples'];
const SOURCES = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

function newestMtime(path) {
  if (!existsSync(path)) return -1;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = -1;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** The workspace packages with a build script, sorted so that each comes after its dependencies. */
export function workspacePackages(root) {
  const packages = [];
  for (const base of ROOTS) {
    const dir = join(root, base);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const file = join(dir, name, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (!pkg.scripts?.build) continue;
      const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
      packages.push({ name: pkg.name, dir: join(dir, name), deps });
    }
  }
  const byName = new Map(packages.map((p) => [p.name, p]));
  const ordered = [];
  const seen = new Set();
  const visit = (p) => {
    if (seen.has(p.name)) return;
    seen.add(p.name);
    for (const dep of p.deps) if (byName.has(dep)) visit(byName.get(dep));
    ordered.push(p);
  };
  for (const p of packages) visit(p);
  return ordered;
}

/** The packages whose sources changed after their last build (or that were never built). */
export function stalePackages(root) {
  return workspacePackages(root).filter((p) => {
    const built = newestMtime(join(p.dir, 'dist'));
    return built < 0 || SOURCES.some((s) => newestMtime(join(p.dir, s)) > built);
  });
}
