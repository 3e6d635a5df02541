// The fake honours config.yaml: defaults with the types Juju gives them, --all listing unset
// options, values type-checked, and null resetting to the default.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeModel } from '../src/index.js';
import { execTool, removeDir, tempDir } from './helpers.js';

const CONFIG_YAML = `options:
  tls-dir:
    type: string
    default: /etc/web/tls
    description: where certificates go
  port:
    type: int
    default: 8443
  ratio:
    type: float
    default: 0.9
  whole-ratio:
    type: float
    default: 1
  debug:
    type: boolean
    default: false
  extra-sans:
    type: string
    description: no default
  untyped:
    default: text
`;

let charmDir: string;
let model: FakeModel | undefined;

beforeEach(async () => {
  charmDir = await tempDir('charm');
  await writeFile(join(charmDir, 'config.yaml'), CONFIG_YAML);
});

afterEach(async () => {
  await model?.cleanup();
  model = undefined;
  await removeDir(charmDir);
});

async function configGet(m: FakeModel, ...args: string[]): Promise<unknown> {
  const { env, contextId } = m.hookEnv('config-changed');
  const out = await execTool(m.binDir, 'config-get', ['--format=json', ...args], env);
  m.endHook(contextId, { success: true });
  expect(out.exitCode).toBe(0);
  return JSON.parse(out.stdout);
}

describe('config.yaml defaults', () => {
  it('answers each default with its type, and lists null options only with --all', async () => {
    model = await FakeModel.create({ unit: 'web/0', charmDir });
    const defaults = {
      'tls-dir': '/etc/web/tls',
      port: 8443,
      ratio: 0.9,
      'whole-ratio': 1,
      debug: false,
      untyped: 'text',
    };
    expect(await configGet(model)).toEqual(defaults);
    expect(await configGet(model, '--all')).toEqual({ ...defaults, 'extra-sans': null });
    expect(await configGet(model, 'tls-dir')).toBe('/etc/web/tls');
    expect(await configGet(model, 'extra-sans')).toBeNull();
  });

  it('lets set values override defaults, null reset them, and refuses wrong types and unknown options', async () => {
    model = await FakeModel.create({ unit: 'web/0', charmDir, config: { port: 9000, 'extra-sans': 'a,b' } });
    expect(await configGet(model, 'port')).toBe(9000);
    model.setConfig({ port: null, debug: true });
    expect(await configGet(model)).toMatchObject({ port: 8443, debug: true, 'extra-sans': 'a,b' });
    expect(() => model?.setConfig({ port: '9000' })).toThrow(TypeError);
    expect(() => model?.setConfig({ port: 1.5 })).toThrow(TypeError);
    expect(() => model?.setConfig({ debug: 'yes' })).toThrow(TypeError);
    expect(() => model?.setConfig({ nope: 1 })).toThrow(TypeError);
  });

  it.each([
    ['options: [1, 2]\n', 'must be a mapping'],
    ['options:\n  port:\n    type: int\n    default: "8443"\n', 'not a int'],
    ['options:\n  port:\n    type: integer\n', 'unknown type'],
    ['options: {\n', 'not valid YAML'],
  ])('refuses a malformed config.yaml (%j) with ERR_TESTING_CONFIG_YAML', async (text, message) => {
    await writeFile(join(charmDir, 'config.yaml'), text);
    const error = await FakeModel.create({ unit: 'web/0', charmDir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_TESTING_CONFIG_YAML' });
    expect((error as Error).message).toContain(message);
  });
});
