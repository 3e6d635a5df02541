import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const METADATA = `name: tiny
summary: A tiny charm for the packer's tests.
description: |
  Writes a file on every hook.
`;

/** A minimal charm project in a fresh temp folder; `files` overrides or adds files (null removes). */
export function makeProject(files: Record<string, string | null> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'charm-pack-test-'));
  const all: Record<string, string | null> = {
    'metadata.yaml': METADATA,
    'config.yaml': 'options:\n  greeting:\n    type: string\n    default: hello\n',
    'src/charm.ts': `import { writeFileSync } from 'node:fs';
import { hookName } from './hook.js';
const { describe } = await import('./lazy.js');
writeFileSync(\`\${process.env.JUJU_CHARM_DIR}/ran.txt\`, describe(hookName(process.env)) + ' on node ' + process.version + '\\n');
`,
    'src/hook.ts': `export function hookName(env: NodeJS.ProcessEnv): string {
  return env.JUJU_DISPATCH_PATH?.split('/').pop() ?? 'unknown';
}
`,
    'src/lazy.ts': `export function describe(hook: string): string { return \`hook \${hook}\`; }\n`,
    ...files,
  };
  for (const [path, content] of Object.entries(all)) {
    if (content === null) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}
