import type { TlsClientStatus } from './read-status.js';

/** One finding of {@link checkStatus}. */
export interface CheckFinding {
  level: 'warning' | 'error';
  /** The certificate (`server/10.0.0.5`) or `ca` / `relation` the finding is about. */
  subject: string;
  message: string;
}

/** The outcome of {@link checkStatus}; `exitCode` is what `tls-client check` exits with. */
export interface CheckResult {
  level: 'ok' | 'warning' | 'error';
  exitCode: 0 | 1 | 2;
  findings: CheckFinding[];
}

/**
 * Judges a status for monitoring: errors are missing or expired certificates, keys that do not
 * match, world-readable keys, a missing CA copy; warnings are certificates expiring within
 * `warnDays`, files changed behind the layer's back, pending requests and skipped provider data.
 */
export function checkStatus(status: TlsClientStatus, options: { warnDays?: number } = {}): CheckResult {
  const warnDays = options.warnDays ?? 30;
  if (!Number.isFinite(warnDays) || warnDays < 0) throw new TypeError('warnDays must be a number >= 0');
  const findings: CheckFinding[] = [];
  const add = (level: CheckFinding['level'], subject: string, message: string) =>
    findings.push({ level, subject, message });

  for (const c of status.certificates) {
    const id = `${c.type}/${c.commonName}`;
    if (c.state === 'pending') {
      if (status.relation.connected) add('warning', id, 'requested but not issued yet');
      continue;
    }
    if (c.state === 'not-written') continue;
    for (const f of c.files) {
      if (!f.exists) {
        add('error', id, `${f.kind} file ${f.path} is missing`);
        continue;
      }
      if (f.kind === 'key' && f.mode !== null && (Number.parseInt(f.mode, 8) & 0o007) !== 0) {
        add('error', id, `key file ${f.path} is readable by others (mode ${f.mode})`);
      }
      if (f.matchesRecorded === false)
        add('warning', id, `${f.kind} file ${f.path} changed since the layer wrote it`);
    }
    if (c.paths.cert !== null && c.daysLeft === null && c.files.some((f) => f.kind === 'cert' && f.exists)) {
      add('error', id, `certificate file ${c.paths.cert} does not hold a readable certificate`);
    }
    if (c.keyMatches === false) add('error', id, 'the key does not match the certificate');
    if (c.daysLeft !== null) {
      if (c.daysLeft < 0) add('error', id, `expired on ${c.notAfter}`);
      else if (c.daysLeft < warnDays) add('warning', id, `expires in ${c.daysLeft} days (${c.notAfter})`);
    }
  }
  if (status.ca.file !== null) {
    if (!status.ca.file.exists) add('error', 'ca', `CA file ${status.ca.file.path} is missing`);
    else if (status.ca.file.matchesRecorded === false)
      add('warning', 'ca', `CA file ${status.ca.file.path} changed`);
  }
  for (const p of status.problems) {
    add(
      'warning',
      p.commonName ? `${p.type ?? 'certificate'}/${p.commonName}` : (p.key ?? 'relation'),
      `${p.code}: ${p.message}`,
    );
  }
  const level = findings.some((f) => f.level === 'error')
    ? 'error'
    : findings.some((f) => f.level === 'warning')
      ? 'warning'
      : 'ok';
  return { level, exitCode: level === 'error' ? 2 : level === 'warning' ? 1 : 0, findings };
}
