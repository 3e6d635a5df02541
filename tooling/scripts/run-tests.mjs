#!/usr/bin/env node
// Runs vitest over every project, prints its normal output, then a plain closing line
// `N passed, N failed, N skipped` read from vitest's JSON report. Exits non-zero on any failure,
// on a vitest error, or when no test ran at all. First it rebuilds every package whose src/ is newer
// than its dist/ (tests import siblings through dist/), so a test never runs a stale build;
// TLS_CLIENT_SKIP_BUILD=1 skips that.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { stalePackages } from './stale-builds.mjs';

const root = join(import.meta.dirname, '../..');
if (process.env.TLS_CLIENT_SKIP_BUILD !== '1') {
  for (const pkg of stalePackages(root)) {
    console.error(`run-tests: building ${pkg.name} (its sources are newer than its dist/)`);
    const build = spawnSync('pnpm', ['--filter', pkg.name, 'run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) {
      console.error(`run-tests: the build of ${pkg.name} failed`);
      console.log('0 passed, 1 failed, 0 skipped');
      process.exit(1);
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tls-client-tests-'));
const report = join(dir, 'report.json');
const vitest = join(import.meta.dirname, '../../node_modules/vitest/vitest.mjs');
const run = spawnSync(
  process.execPath,
  [
    vitest,
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
let skipped = 0;
let suitesFailed = 0;
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = json.numFailedTests ?? 0;
  skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  suitesFailed = json.numFailedTestSuites ?? 0;
} catch (error) {
  console.error(`run-tests: no readable vitest JSON report (${error.message})`);
  failed += 1;
}
rmSync(dir, { recursive: true, force: true });
// A file that fails to import counts as a failed suite without failed tests: count it too.
if (suitesFailed > 0 && failed === 0) failed = suitesFailed;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || run.status !== 0 || passed === 0) process.exit(run.status || 1);
