import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const readme = () => readFile(join(here, '..', 'README.md'), 'utf8');

describe('the layer README', () => {
  it('quotes examples/charm.ts (typechecked by the build) verbatim as its example', async () => {
    const text = await readme();
    const section = text.slice(text.indexOf('## Example'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(await readFile(join(here, '..', 'examples', 'charm.ts'), 'utf8'));
  });

  it('answers "which flag do I reload on?" in its first screen', async () => {
    const text = await readme();
    const index = text.indexOf('**Which flag do I reload on?**');
    expect(index).toBeGreaterThan(0);
    expect(text.slice(0, index).split('\n').length).toBeLessThan(80);
  });

  it('documents every layer problem code and every option', async () => {
    const text = await readme();
    for (const code of ['ERR_LAYER_INVALID_CA', 'ERR_LAYER_INVALID_CHAIN', 'ERR_LAYER_INVALID_CERTIFICATE']) {
      expect(text).toContain(`| \`${code}\``);
    }
    const options = await readFile(join(here, '..', 'src', 'tls-client.ts'), 'utf8');
    const body = options.slice(options.indexOf('export interface TlsClientOptions'));
    const names = [...body.slice(0, body.indexOf('\n}')).matchAll(/^ {2}(\w+)\?:/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(8);
    for (const name of names) expect(text, name).toMatch(new RegExp(`\`${name}\``));
  });
});

describe('tooling/ARCHITECTURE.md', () => {
  it('does not restate the layer API (the README is the one description)', async () => {
    const text = await readFile(join(here, '..', '..', '..', 'tooling', 'ARCHITECTURE.md'), 'utf8');
    const section = text.slice(text.indexOf('## @tls-client/layer'));
    const end = section.indexOf('\n## ', 1);
    expect(section.slice(0, end === -1 ? undefined : end)).not.toContain('interface RunResult');
  });
});
