// Config and unit facts: config-get (with config.yaml defaults), unit-get, network-get, application-version-set.
import type { FakeState, NetworkInfo } from './state.js';
import {
  checkEmpty,
  FORMAT,
  formatOutput,
  parseArgs,
  RELATION,
  resolveRelation,
  runtime,
  type ToolImpl,
  truncate,
  usage,
  validateFormat,
} from './tool-args.js';

export const configGet: ToolImpl = (state, _ctx, args) => {
  const { flags, positional } = parseArgs(args, [
    FORMAT,
    { names: ['-a', '--all'], key: 'all', kind: 'bool' },
  ]);
  validateFormat(flags);
  checkEmpty(positional.slice(1));
  const key = positional[0];
  const all = flags.get('all') === 'true';
  if (key !== undefined) {
    if (all) throw usage(`cannot use argument --all together with key "${truncate(key)}"`);
    const config = effectiveConfig(state);
    return formatOutput(flags, Object.hasOwn(config, key) ? config[key] : null);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(effectiveConfig(state)))
    if (all || (v !== null && v !== undefined)) out[k] = v ?? null;
  return formatOutput(flags, out);
};

export const unitGet: ToolImpl = (state, _ctx, args) => {
  const { flags, positional } = parseArgs(args, [FORMAT]);
  validateFormat(flags);
  const setting = positional[0];
  if (setting === undefined) throw usage('no setting specified');
  checkEmpty(positional.slice(1));
  if (setting === 'private-address') return formatOutput(flags, state.addresses.private);
  if (setting === 'public-address') return formatOutput(flags, state.addresses.public);
  throw usage(`unknown setting "${truncate(setting)}"`);
};

/** The network-get answer for a binding when none was configured: one interface, the private address. */
export function defaultNetworkInfo(privateAddress: string): NetworkInfo {
  const v4 = /^(\d+\.\d+\.\d+)\.\d+$/.exec(privateAddress);
  const cidr = v4 === null ? `${privateAddress}/128` : `${v4[1]}.0/24`;
  const host = v4 === null ? `${privateAddress}/128` : `${privateAddress}/32`;
  return {
    'bind-addresses': [
      {
        'mac-address': '00:16:3e:00:00:01',
        'interface-name': 'eth0',
        addresses: [{ hostname: '', value: privateAddress, cidr }],
      },
    ],
    'egress-subnets': [host],
    'ingress-addresses': [privateAddress],
  };
}

export const networkGet: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [
    FORMAT,
    RELATION,
    { names: ['--bind-address'], key: 'bind-address', kind: 'bool' },
    { names: ['--ingress-address'], key: 'ingress-address', kind: 'bool' },
    { names: ['--egress-subnets'], key: 'egress-subnets', kind: 'bool' },
    { names: ['--primary-address'], key: 'primary-address', kind: 'bool' },
  ]);
  validateFormat(flags);
  if (positional.length === 0) throw usage('no arguments specified');
  checkEmpty(positional.slice(1));
  if (flags.has('relation')) resolveRelation(state, ctx, flags);
  const binding = positional[0]!;
  const known =
    state.bindings.includes(binding) ||
    Object.hasOwn(state.networks, binding) ||
    Object.values(state.relations).some((r) => r.endpoint === binding);
  if (!known) throw runtime(`no network config found for binding "${truncate(binding)}"`);
  const info = state.networks[binding] ?? defaultNetworkInfo(state.addresses.private);
  const picks: Record<string, unknown> = {};
  if (flags.get('bind-address') === 'true') {
    picks['bind-address'] = info['bind-addresses']?.[0]?.addresses[0]?.value ?? '';
  }
  if (flags.get('ingress-address') === 'true')
    picks['ingress-address'] = info['ingress-addresses']?.[0] ?? '';
  if (flags.get('egress-subnets') === 'true')
    picks['egress-subnets'] = (info['egress-subnets'] ?? []).join(',');
  if (flags.get('primary-address') === 'true') picks['primary-address'] = state.addresses.private;
  const names = Object.keys(picks);
  if (names.length === 1) return formatOutput(flags, picks[names[0]!]);
  if (names.length > 1) return formatOutput(flags, picks);
  return formatOutput(flags, info);
};

export const applicationVersionSet: ToolImpl = (state, _ctx, args) => {
  const { positional } = parseArgs(args, []);
  if (positional.length === 0) throw usage('no version specified');
  checkEmpty(positional.slice(1));
  state.applicationVersion = positional[0]!;
  return '';
};

/** config.yaml defaults, overridden by the values the test set (a set `null` unsets). */
export function effectiveConfig(state: FakeState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(state.configOptions ?? {})) out[key] = option.default;
  for (const [key, value] of Object.entries(state.config)) out[key] = value;
  return out;
}
