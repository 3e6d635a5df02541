import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One vitest project per package or example that has a test/ folder. Tests import the
// sibling packages through their built `dist/` (the surface users get), so build first.
const roots = ['packages', 'examples'];
const projects = roots.flatMap((root) =>
  existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(`${root}/${name}/test`))
        .map((name) => ({
          test: {
            name,
            root: `${root}/${name}`,
            include: ['test/**/*.test.ts'],
            testTimeout: 60_000,
            hookTimeout: 60_000,
          },
        }))
    : [],
);
// Repo-level checks (what the tarballs hold), run like the packages' tests.
projects.push({
  test: {
    name: 'tooling',
    root: 'tooling',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});

export default defineConfig({
  test: {
    projects,
    pool: 'forks',
  },
});
