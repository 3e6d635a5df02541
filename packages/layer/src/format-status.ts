import type { FileStatus, TlsClientStatus } from './read-status.js';

/** The human-readable `tls-client status` table. */
export function formatStatus(status: TlsClientStatus): string {
  const lines: string[] = [];
  const rel = status.relation;
  lines.push(`unit        ${status.unit ?? '?'} (endpoint ${status.endpoint ?? '?'})`);
  lines.push(
    `relation    ${rel.connected ? `${rel.relationIds.join(', ')}; remote units: ${rel.remoteUnits.join(', ') || 'none'}` : 'not connected'}`,
  );
  lines.push(`last hook   ${status.lastHook ?? 'never'}${status.lastRun ? ` at ${status.lastRun}` : ''}`);
  lines.push(`state       ${status.statePath}`);
  lines.push(
    `CA          ${status.ca.name ?? '?'}: ${status.ca.installed ? 'installed in the trust store' : 'not installed'}${
      status.ca.file ? `; copy ${describeFile(status.ca.file)}` : ''
    }`,
  );
  lines.push('');
  const rows: string[][] = [
    ['TYPE', 'COMMON NAME', 'STATE', 'NOT AFTER', 'DAYS', 'KEY', 'SUBJECT / ISSUER / SANS'],
  ];
  for (const c of status.certificates) {
    rows.push([
      c.type + (c.deprecatedPath ? ' (deprecated path)' : ''),
      c.commonName,
      c.state,
      c.notAfter ? c.notAfter.slice(0, 10) : '-',
      c.daysLeft === null ? '-' : String(c.daysLeft),
      c.keyMatches === null ? '-' : c.keyMatches ? 'matches' : 'MISMATCH',
      c.subject ?? '-',
    ]);
    if (c.issuer) rows.push(['', '', '', '', '', '', `issuer: ${c.issuer}`]);
    if (c.sans.length > 0) rows.push(['', '', '', '', '', '', `sans: ${c.sans.join(', ')}`]);
    for (const f of c.files) rows.push(['', '', '', '', '', '', `${f.kind}: ${describeFile(f)}`]);
    for (const p of c.problems) rows.push(['', '', '', '', '', '', `problem: ${p.code}`]);
  }
  if (status.certificates.length === 0) lines.push('no certificates requested');
  else lines.push(...table(rows));
  lines.push('');
  lines.push(`flags       ${status.flags.length === 0 ? 'none' : status.flags[0]}`);
  for (const flag of status.flags.slice(1)) lines.push(`            ${flag}`);
  if (status.problems.length > 0) {
    lines.push('');
    lines.push('problems (provider data skipped in the last hook):');
    for (const p of status.problems) lines.push(`  ${p.code}${p.key ? ` [${p.key}]` : ''}: ${p.message}`);
  }
  for (const w of status.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

function describeFile(f: FileStatus): string {
  if (!f.exists) return `${f.path} MISSING`;
  const owner = `${f.owner ?? f.uid}:${f.group ?? f.gid}`;
  const drift = f.matchesRecorded === false ? ' CHANGED since written' : '';
  return `${f.path} ${f.mode} ${owner}${drift}`;
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
