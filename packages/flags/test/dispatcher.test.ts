import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher, FlagStore, FlagsError, runHook } from '../src/index.js';
import { tempDir } from './helpers.js';

let cleanup: () => void;
let store: FlagStore;
let path: string;
beforeEach(() => {
  let dir: string;
  ({ dir, cleanup } = tempDir());
  path = join(dir, 'flags.json');
  store = FlagStore.open({ path });
});
afterEach(() => cleanup());

describe('Dispatcher conditions', () => {
  it.each([
    ['when', ['a', 'b'], true],
    ['when', ['a', 'c'], false],
    ['whenAny', ['a', 'c'], true],
    ['whenAny', ['c', 'd'], false],
    ['whenNot', ['c', 'd'], true],
    ['whenNot', ['a', 'c'], false],
    ['whenNone', ['c', 'd'], true],
    ['whenNone', ['b'], false],
  ] as const)('%s(%j) runs: %s (a and b set)', async (method, flags, runs) => {
    store.set('a');
    store.set('b');
    const bus = new Dispatcher(store);
    let ran = false;
    bus[method](flags, () => {
      ran = true;
    });
    await bus.run();
    expect(ran).toBe(runs);
  });

  it('rejects an empty flag list, a non-function and a duplicate name', () => {
    const bus = new Dispatcher(store);
    expect(() => bus.when([], () => {})).toThrow(TypeError);
    expect(() => bus.when('a', 'nope' as unknown as () => void)).toThrow(TypeError);
    bus.when('a', () => {}, 'x');
    expect(() => bus.whenNot('a', () => {}, 'x')).toThrow(TypeError);
    expect(() => new Dispatcher(store, { maxIterations: 0 })).toThrow(TypeError);
  });
});

describe('Dispatcher.run', () => {
  it('runs matching handlers in registration order and reports their names', async () => {
    store.set('certificates.available');
    const bus = new Dispatcher(store);
    bus.when('certificates.available', function first() {});
    bus.when('certificates.available', () => {}, 'second');
    bus.when('never', () => {}, 'skipped');
    bus.when('certificates.available', async () => {}, 'third');
    expect(await bus.run()).toEqual({ ran: ['first', 'second', 'third'], iterations: 2 });
  });

  it('re-evaluates after a handler changes flags, reaching a fixed point', async () => {
    store.set('certificates.ca.available');
    const bus = new Dispatcher(store);
    // Registered before the handler that enables it: runs in the next pass.
    bus.when('tls_client.ca.saved', () => store.set('app.configured'), 'configure');
    bus.when(
      'certificates.ca.available',
      () => {
        store.set('tls_client.ca.saved');
      },
      'store-ca',
    );
    bus.whenNone('app.configured', () => {}, 'waiting');
    const result = await bus.run();
    expect(result.ran).toEqual(['store-ca', 'waiting', 'configure']);
    expect(store.isSet('app.configured')).toBe(true);
  });

  it('does not run a handler whose flag an earlier handler cleared in the same pass', async () => {
    store.set('certificates.certs.changed');
    const bus = new Dispatcher(store);
    const ran: string[] = [];
    bus.when('certificates.certs.changed', () => {
      ran.push('update-certs');
      store.clear('certificates.certs.changed');
    });
    bus.when('certificates.certs.changed', () => {
      ran.push('late');
    });
    await bus.run();
    expect(ran).toEqual(['update-certs']);
  });

  it('does not run a handler again when only other flags changed', async () => {
    store.set('a');
    const bus = new Dispatcher(store);
    let count = 0;
    bus.when('a', () => {
      count++;
    });
    bus.when('a', () => store.set('b'), 'setter');
    await bus.run();
    expect(count).toBe(1);
  });

  it('runs a handler again after one of its flags was cleared and set again', async () => {
    store.set('a');
    store.set('b');
    const bus = new Dispatcher(store);
    bus.when('a', () => {}, 'on-a');
    bus.when(
      'b',
      () => {
        store.clear('b');
        store.clear('a');
        store.set('a');
      },
      'rearm',
    );
    expect((await bus.run()).ran).toEqual(['on-a', 'rearm', 'on-a']);
  });

  it('never runs a handler twice for the same flag state, even when flags come back to it', async () => {
    store.set('a');
    const bus = new Dispatcher(store);
    const ran: string[] = [];
    bus.when('a', () => {
      ran.push('a->b');
      store.clear('a');
      store.set('b');
    });
    bus.when('b', () => {
      ran.push('b->a');
      store.clear('b');
      store.set('a');
    });
    await bus.run();
    expect(ran).toEqual(['a->b', 'b->a']);
  });

  it('fails with ERR_FLAGS_DISPATCH_LOOP naming the handlers that keep changing flags', async () => {
    store.set('go');
    const bus = new Dispatcher(store, { maxIterations: 10 });
    let n = 0;
    bus.when(
      'go',
      () => {
        store.clear('go');
        store.set('back');
        store.set(`counter.${n++}`);
      },
      'counter',
    );
    bus.when(
      'back',
      () => {
        store.clear('back');
        store.set('go');
      },
      'rearm',
    );
    bus.when('never', () => {}, 'idle');
    let error: unknown;
    try {
      await bus.run();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FlagsError);
    expect((error as FlagsError).code).toBe('ERR_FLAGS_DISPATCH_LOOP');
    expect((error as FlagsError).message).toContain('counter');
    expect((error as FlagsError).message).toContain('10 iterations');
    expect((error as FlagsError).message).not.toContain('idle');
    expect((error as FlagsError).names).toEqual(['counter', 'rearm']);
  });

  it('runs hook handlers first, once, for the current hook only', async () => {
    store.set('tls_client.ca.saved');
    const bus = new Dispatcher(store, { hookName: 'upgrade-charm' });
    const ran: string[] = [];
    bus.when('tls_client.ca.saved', () => {
      ran.push('flag');
    });
    bus.hook('upgrade-charm', () => {
      ran.push('remove-states');
      store.clear('tls_client.ca.saved');
    });
    bus.hook(/-relation-broken$/, () => {
      ran.push('broken');
    });
    await bus.run();
    expect(ran).toEqual(['remove-states']);
    const broken = new Dispatcher(store, { hookName: 'certificates-relation-broken' });
    broken.hook(['install', /-relation-broken$/], () => {
      ran.push('broken');
    });
    await broken.run();
    expect(ran).toEqual(['remove-states', 'broken']);
    // A global RegExp matches on every run, not every other one.
    const every = new Dispatcher(store, { hookName: 'update-status' });
    every.hook(/status/g, () => {
      ran.push('status');
    });
    await every.run();
    await every.run();
    expect(ran.filter((r) => r === 'status')).toHaveLength(2);
  });

  it('takes the hook from hookName or a given env, never from process.env behind the caller', async () => {
    const ran: string[] = [];
    const saved = process.env.JUJU_HOOK_NAME;
    process.env.JUJU_HOOK_NAME = 'install';
    try {
      const silent = new Dispatcher(store);
      silent.hook('install', () => {
        ran.push('from process.env');
      });
      await silent.run();
      const fromEnv = new Dispatcher(store, { env: { JUJU_HOOK_NAME: 'config-changed' } });
      fromEnv.hook('config-changed', () => {
        ran.push('from env');
      });
      await fromEnv.run();
      const explicit = new Dispatcher(store, { hookName: 'start', env: { JUJU_HOOK_NAME: 'stop' } });
      explicit.hook('start', () => {
        ran.push('from hookName');
      });
      await explicit.run();
    } finally {
      if (saved === undefined) delete process.env.JUJU_HOOK_NAME;
      else process.env.JUJU_HOOK_NAME = saved;
    }
    expect(ran).toEqual(['from env', 'from hookName']);
    expect(() => new Dispatcher(store, { hookName: '' })).toThrow(TypeError);
  });

  it('keeps whenNot as a deprecated alias of whenNone', async () => {
    store.set('b');
    const ran: string[] = [];
    const bus = new Dispatcher(store);
    bus.whenNot(['a', 'b'], () => void ran.push('not'), 'not');
    bus.whenNone(['a', 'b'], () => void ran.push('none'), 'none');
    bus.whenNot('a', () => void ran.push('not-a'), 'not-a');
    await bus.run();
    expect(ran).toEqual(['not-a']);
  });

  it('lets a handler exception propagate unchanged', async () => {
    store.set('a');
    const bus = new Dispatcher(store);
    const boom = new Error('boom');
    bus.when('a', () => {
      throw boom;
    });
    await expect(bus.run()).rejects.toBe(boom);
  });
});

describe('runHook', () => {
  it('commits the changes when the hook succeeds', async () => {
    const bus = new Dispatcher(store);
    store.set('certificates.available');
    bus.when('certificates.available', () => store.set('tls_client.certs.saved'));
    await runHook(store, async () => {
      await bus.run();
    });
    expect(FlagStore.open({ path }).list()).toEqual(['certificates.available', 'tls_client.certs.saved']);
  });

  it('rolls every change back and rethrows when the hook fails', async () => {
    store.set('kept');
    await store.commit();
    const failure = new Error('handler failed');
    await expect(
      runHook(store, () => {
        store.set('tls_client.ca.saved');
        store.dataChanged('certificates.ca', 'CA');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(store.list()).toEqual(['kept']);
    expect(store.isDataChanged('certificates.ca', 'CA')).toBe(true);
    expect(FlagStore.open({ path }).list()).toEqual(['kept']);
  });
});
