// Leadership: is-leader, leader-get, leader-set (immediate, never rolled back).
import {
  checkEmpty,
  FORMAT,
  formatOutput,
  isLeaderNow,
  parseArgs,
  parseKeyValues,
  runtime,
  type ToolImpl,
  truncate,
  usage,
  validateFormat,
} from './tool-args.js';

export const isLeader: ToolImpl = (state, _ctx, args) => {
  const { flags, positional } = parseArgs(args, [FORMAT]);
  validateFormat(flags);
  checkEmpty(positional);
  return formatOutput(flags, isLeaderNow(state));
};

export const leaderGet: ToolImpl = (state, _ctx, args) => {
  const { flags, positional } = parseArgs(args, [FORMAT]);
  validateFormat(flags);
  checkEmpty(positional.slice(1));
  const key = positional[0] ?? '-';
  if (key.includes('=')) throw usage(`invalid key "${truncate(key)}"`);
  if (key === '-') return formatOutput(flags, state.leaderSettings);
  return formatOutput(flags, Object.hasOwn(state.leaderSettings, key) ? state.leaderSettings[key] : null);
};

export const leaderSet: ToolImpl = (state, _ctx, args) => {
  const { positional } = parseArgs(args, []);
  const settings = parseKeyValues(positional);
  if (!isLeaderNow(state))
    throw runtime('cannot write leadership settings: cannot write settings: not the leader');
  for (const [key, value] of Object.entries(settings)) {
    if (value === '') delete state.leaderSettings[key];
    else state.leaderSettings[key] = value;
  }
  return '';
};
