// Status and logging: juju-log, status-set, status-get. They take effect at once, even if the hook fails.
import {
  checkEmpty,
  type FlagSpec,
  FORMAT,
  formatOutput,
  isLeaderNow,
  parseArgs,
  runtime,
  type ToolImpl,
  truncate,
  usage,
  validateFormat,
} from './tool-args.js';

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

export const jujuLog: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [
    FORMAT,
    { names: ['-l', '--log-level'], key: 'level', kind: 'string' },
    { names: ['--debug'], key: 'debug', kind: 'bool' },
  ]);
  if (positional.length === 0) throw usage('no message specified');
  let level = flags.get('debug') === 'true' ? 'DEBUG' : (flags.get('level') ?? 'INFO').toUpperCase();
  if (!LOG_LEVELS.includes(level)) {
    state.logs.push({
      level: 'WARNING',
      message: `Specified log level of "${truncate(level)}" is not valid`,
      hook: ctx.hook,
    });
    level = 'INFO';
  }
  state.logs.push({ level, message: positional.join(' '), hook: ctx.hook });
  return '';
};

const STATUSES = ['maintenance', 'blocked', 'waiting', 'active'];
const APPLICATION: FlagSpec = { names: ['--application'], key: 'application', kind: 'bool' };

export const statusSet: ToolImpl = (state, _ctx, args) => {
  const { flags, positional } = parseArgs(args, [APPLICATION]);
  if (positional.length < 1) throw usage('invalid args, require <status> [message] [data]');
  const status = positional[0]!;
  if (!STATUSES.includes(status)) {
    throw usage(`invalid status "${truncate(status)}", expected one of [${STATUSES.join(' ')}]`);
  }
  checkEmpty(positional.slice(2));
  const value = { status, message: positional[1] ?? '' };
  if (flags.get('application') === 'true') {
    if (!isLeaderNow(state)) throw runtime('setting application status: this unit is not the leader');
    state.applicationStatus = value;
  } else state.unitStatus = value;
  return '';
};

export const statusGet: ToolImpl = (state, _ctx, args) => {
  const { flags, positional } = parseArgs(args, [
    FORMAT,
    APPLICATION,
    { names: ['--include-data'], key: 'data', kind: 'bool' },
  ]);
  validateFormat(flags);
  checkEmpty(positional);
  const full = (s: { status: string; message: string }) => ({
    message: s.message,
    status: s.status,
    'status-data': {},
  });
  if (flags.get('application') === 'true') {
    if (!isLeaderNow(state)) throw runtime('finding application status: this unit is not the leader');
    return formatOutput(flags, {
      'application-status': {
        ...full(state.applicationStatus),
        units: { [state.unit]: full(state.unitStatus) },
      },
    });
  }
  if (flags.get('data') === 'true') return formatOutput(flags, full(state.unitStatus));
  return formatOutput(flags, state.unitStatus.status);
};
