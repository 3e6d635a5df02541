import { MODEL_PROBLEM_CODES } from '../errors.js';
import { type CheckResult, describeRequestError } from './check-status.js';
import { describeExpiry } from './describe-expiry.js';
import type { FileStatus, TlsClientStatus } from './read-status.js';

/**
 * The human-readable `tls-client status` table. With `check` (from {@link checkStatus}), the
 * findings follow, each with its remedy.
 */
export function formatStatus(status: TlsClientStatus, check?: CheckResult): string {
  const lines: string[] = [];
  const rel = status.relation;
  lines.push(`unit        ${status.unit ?? '?'} (endpoint ${status.endpoint ?? '?'})`);
  const dialect = new Map(rel.dialects.map((d) => [d.relationId, d.dialect]));
  const relations = rel.relationIds.map((id) => `${id} (${DIALECTS[dialect.get(id) ?? 'unknown']})`);
  lines.push(
    `relation    ${rel.connected ? `${relations.join(', ')}; remote units: ${rel.remoteUnits.join(', ') || 'none'}` : 'not connected'}`,
  );
  if (rel.renewalTrigger !== null) lines.push(`renewal     ${RENEWAL_TRIGGERS[rel.renewalTrigger]}`);
  lines.push(`last hook   ${status.lastHook ?? 'never'}${status.lastRun ? ` at ${status.lastRun}` : ''}`);
  lines.push(`state       ${status.statePath}`);
  lines.push(
    `CA          ${status.ca.name ?? '?'}: ${describeTrust(status.ca)}${
      status.ca.file ? `; copy ${describeFile(status.ca.file)}` : ''
    }`,
  );
  for (const r of status.ca.retiring ?? [])
    lines.push(
      `retiring CA ${r.name}: ${r.subject ?? '?'} (trusted while a certificate we hold is signed by it)`,
    );
  const now = new Date(status.checkedAt);
  lines.push('');
  const rows: string[][] = [
    ['TYPE', 'COMMON NAME', 'STATE', 'NOT AFTER', 'EXPIRY', 'KEY', 'SUBJECT / ISSUER / SANS'],
  ];
  for (const c of status.certificates) {
    rows.push([
      c.type + (c.deprecatedPath ? ' (deprecated path)' : ''),
      c.commonName,
      c.state === 'rejected'
        ? `rejected (${c.rejectionCode ?? '?'})`
        : c.state === 'refused'
          ? `refused (${c.requestErrors[0]?.name ?? '?'})`
          : c.state,
      c.notAfter ? c.notAfter.slice(0, 10) : '-',
      c.notAfter && !Number.isNaN(now.getTime()) ? describeExpiry(new Date(c.notAfter), now) : '-',
      c.keyMatches === null ? '-' : c.keyMatches ? 'matches' : 'MISMATCH',
      c.subject ?? '-',
    ]);
    if (c.issuer) rows.push(['', '', '', '', '', '', `issuer: ${c.issuer}`]);
    if (c.sans.length > 0) rows.push(['', '', '', '', '', '', `sans: ${c.sans.join(', ')}`]);
    const renewal = describeRenewal(c, now);
    if (renewal !== undefined) rows.push(['', '', '', '', '', '', `renewal: ${renewal}`]);
    for (const e of c.requestErrors)
      rows.push([
        '',
        '',
        '',
        '',
        '',
        '',
        `request error: ${describeRequestError(e)}${e.retryable ? ' (retried)' : ''}`,
      ]);
    for (const f of c.files)
      rows.push([
        '',
        '',
        '',
        '',
        '',
        '',
        `${f.kind}: ${c.state === 'written' || f.exists ? describeFile(f) : `${f.path} (not written yet)`}`,
      ]);
    for (const p of c.problems) rows.push(['', '', '', '', '', '', `problem: ${p.code}`]);
  }
  if (status.certificates.length === 0) lines.push('no certificates requested');
  else lines.push(...table(rows));
  lines.push('');
  lines.push(`flags       ${status.flags.length === 0 ? 'none' : status.flags[0]}`);
  for (const flag of status.flags.slice(1)) lines.push(`            ${flag}`);
  if (status.problems.length > 0) {
    lines.push('');
    const model = status.problems.some((p) => MODEL_PROBLEM_CODES.has(p.code));
    lines.push(
      `problems (${model ? 'provider data skipped, or not possible on this model,' : 'provider data skipped'} in the last hook):`,
    );
    for (const p of status.problems) lines.push(`  ${p.code}${p.key ? ` [${p.key}]` : ''}: ${p.message}`);
  }
  for (const w of status.warnings) lines.push(`warning: ${w}`);
  if (check !== undefined) {
    lines.push('');
    lines.push(`check       ${check.level.toUpperCase()} (exit ${check.exitCode}; ${EXIT_CODE_LEGEND})`);
    for (const f of check.findings) lines.push(...formatFinding(f));
  }
  return `${lines.join('\n')}\n`;
}

const RENEWAL_TRIGGERS = {
  'secret-expiry':
    'by secret expiry (a secret per certificate expires at its renewal time; secret-expired renews)',
  'hook-check': 'by a check in every hook (update-status included): this model has no secrets (Juju 2.9)',
} as const;

const DIALECTS = { legacy: 'legacy', v4: 'v4', unknown: 'dialect unknown: both published' } as const;

/** `at 2027-… (in 300 days)`, `pending: a new request is published`, `OVERDUE since …`. */
function describeRenewal(c: TlsClientStatus['certificates'][number], now: Date): string | undefined {
  const parts: string[] = [];
  if (c.renewAt !== null) {
    const due = new Date(c.renewAt);
    const when = Number.isNaN(now.getTime())
      ? ''
      : ` (${describeExpiry(due, now).replace(/^expire[ds] /, '')})`;
    parts.push(`${c.renewalOverdue ? 'OVERDUE since' : 'at'} ${c.renewAt}${when}`);
  }
  if (c.renewalPending) parts.push('pending: a new request is published, waiting for its certificate');
  if (c.keyRotationPending)
    parts.push('key rotation pending: the old pair stays until the new certificate arrives');
  return parts.length === 0 ? undefined : parts.join('; ');
}

/** The exit-code legend of `tls-client check`, as printed wherever the exit code is. */
export const EXIT_CODE_LEGEND = 'exit codes: 0 = ok, 1 = warnings, 2 = errors';

/** A finding as two lines: what is wrong, then what to do. */
export function formatFinding(f: CheckResult['findings'][number]): string[] {
  return [`  ${f.level.padEnd(7)} ${f.subject}: ${f.message}`, `          remedy: ${f.remedy}`];
}

function describeTrust(ca: TlsClientStatus['ca']): string {
  const anchor = ca.anchor;
  if (anchor === null)
    return ca.installed ? 'installed (anchor not checked)' : 'not installed in the trust store';
  const paths = anchor.files.map((f) => f.path).join(', ');
  switch (anchor.state) {
    case 'trusted':
      return `trusted (anchor ${paths})`;
    case 'missing':
      return `NOT TRUSTED: anchor MISSING (${anchor.files
        .filter((f) => !f.exists)
        .map((f) => f.path)
        .join(', ')})`;
    case 'changed':
      return `NOT TRUSTED as installed: anchor CHANGED (${paths})`;
    case 'update-owed':
      return `NOT TRUSTED YET: the trust store update failed (anchor ${paths})`;
    case 'not-recorded':
      return `NOT TRUSTED: no record in ${anchor.recordPath}`;
    case 'unreadable':
      return `UNKNOWN: cannot read ${anchor.recordPath} (${anchor.error?.code ?? '?'})`;
  }
}

function describeFile(f: FileStatus): string {
  if (!f.exists) return `${f.path} MISSING`;
  const owner = `${f.owner ?? f.uid}:${f.group ?? f.gid}`;
  const drift = f.matchesRecorded === false ? ' CHANGED since written' : '';
  const link = f.resolvedPath === null ? '' : ` -> ${f.resolvedPath}`;
  return `${f.path}${link} ${f.mode} ${owner}${drift}`;
}

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      if (i < row.length - 1) widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell))
      .join('  ')
      .trimEnd(),
  );
}
