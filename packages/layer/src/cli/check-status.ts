import { MODEL_PROBLEM_CODES } from '../errors.js';
import type { Problem } from '../state.js';
import { describeExpiry } from './describe-expiry.js';
import { problemRemedy, requestErrorRemedy } from './problem-remedy.js';
import type { RequestErrorStatus } from './read-renewal.js';
import type { CertificateStatus, TlsClientStatus } from './read-status.js';

/** What a finding is about; stable, for monitoring rules. New kinds may be added. */
export type CheckFindingKind =
  | 'not-connected'
  | 'pending'
  | 'rejected'
  | 'answer-rejected'
  | 'provider-problem'
  | 'file-missing'
  | 'key-readable'
  | 'file-changed'
  | 'not-a-certificate'
  | 'key-mismatch'
  | 'expired'
  | 'expiring'
  | 'renewal-overdue'
  | 'request-error'
  | 'ca-copy-missing'
  | 'ca-copy-changed'
  | 'anchor-missing'
  | 'anchor-changed'
  | 'anchor-update-owed'
  | 'anchor-not-recorded'
  | 'anchor-unreadable';

/** One finding of {@link checkStatus}. */
export interface CheckFinding {
  level: 'warning' | 'error';
  kind: CheckFindingKind;
  /** The certificate (`server/10.0.0.5`), `ca`, `relation`, or the relation key a problem came from. */
  subject: string;
  /** What is wrong, in one line. */
  message: string;
  /** What the operator should do about it, in one line. */
  remedy: string;
  /**
   * The problem code, for findings about rejected provider data; the provider's error name (e.g.
   * `DOMAIN_NOT_ALLOWED`) for a `request-error`; else `null`.
   */
  code: string | null;
}

/** The outcome of {@link checkStatus}; `exitCode` is what `tls-client check` exits with. */
export interface CheckResult {
  level: 'ok' | 'warning' | 'error';
  /** 0 = ok, 1 = warnings, 2 = errors. */
  exitCode: 0 | 1 | 2;
  findings: CheckFinding[];
}

/** Options of {@link checkStatus}. */
export interface CheckStatusOptions {
  /** Warn about certificates expiring within this many days. Default 30. */
  warnDays?: number;
}

/**
 * Judges a status for monitoring. Errors: a certificate that is missing, expired, unreadable, has a
 * key that does not match or is readable by others, or was never written because the provider's
 * answer was rejected or the provider refused the request (a `request_errors` entry other than
 * the retried 201); a missing CA copy; a trust anchor that is missing, changed or not yet applied.
 * Warnings: a renewal overdue (past its renewal time with no new certificate), a certificate
 * expiring within `warnDays`, a provider refusal of a renewal (the old certificate is still
 * valid) or a 201 `SERVER_NOT_AVAILABLE`, files changed behind the layer's back, requests not
 * answered yet (or no relation), and other provider data the layer skipped.
 * Each finding carries a one-line remedy.
 * @throws TypeError when `warnDays` is not a number >= 0.
 */
export function checkStatus(status: TlsClientStatus, options: CheckStatusOptions = {}): CheckResult {
  const warnDays = options.warnDays ?? 30;
  if (typeof warnDays !== 'number' || !Number.isFinite(warnDays) || warnDays < 0)
    throw new TypeError('warnDays must be a number >= 0');
  const checkedAt = new Date(status.checkedAt);
  const now = Number.isNaN(checkedAt.getTime()) ? new Date() : checkedAt;
  const unit = status.unit ?? '<unit>';
  const findings: CheckFinding[] = [];
  const add = (
    level: CheckFinding['level'],
    kind: CheckFindingKind,
    subject: string,
    message: string,
    remedy: string,
    code: string | null = null,
  ) => findings.push({ level, kind, subject, message, remedy, code });
  const rewrite = 'the next hook of the charm rewrites it (update-status runs every 5 minutes by default)';

  const waiting = status.certificates.filter((c) => c.state === 'pending');
  if (waiting.length > 0 && !status.relation.connected) {
    add(
      'warning',
      'not-connected',
      'relation',
      `${plural(waiting.length, 'certificate')} requested, but the "${status.endpoint ?? 'certificates'}" relation is not connected`,
      `relate the application to a certificate provider: juju integrate ${status.application ?? '<application>'}:${status.endpoint ?? 'certificates'} <provider>`,
    );
  }
  for (const c of status.certificates) {
    const id = `${c.type}/${c.commonName}`;
    if (c.state === 'pending') {
      if (status.relation.connected)
        add(
          'warning',
          'pending',
          id,
          'requested but not issued yet',
          'wait for the provider to issue it; if it stays pending, check the provider (juju status, juju debug-log)',
        );
      continue;
    }
    if (c.state === 'rejected') {
      const code = c.rejectionCode ?? c.problems[0]?.code ?? 'unknown';
      add(
        'error',
        'rejected',
        id,
        `never written: the provider's answer was rejected (${code})`,
        problemRemedy(code),
        code,
      );
      continue;
    }
    for (const e of c.requestErrors) {
      const written = c.state === 'written';
      add(
        written || e.retryable ? 'warning' : 'error',
        'request-error',
        id,
        `the provider refused ${written ? 'the renewal' : 'the request'}: ${describeRequestError(e)}${
          e.retryable ? '' : '; not retried until the request changes'
        }`,
        requestErrorRemedy(e.code),
        e.name,
      );
    }
    if (c.state === 'refused' || c.state === 'not-written') continue;
    // A provider refusal is reported above, not as a rejected answer.
    const answerProblems =
      c.requestErrors.length > 0 ? c.problems.filter((p) => !REQUEST_ERROR_PROBLEM.test(p.code)) : c.problems;
    const first = answerProblems[0];
    if (first !== undefined) {
      add(
        'warning',
        'answer-rejected',
        id,
        `the provider's latest answer was rejected (${first.code}); the files hold the previous certificate`,
        problemRemedy(first.code),
        first.code,
      );
    }
    checkFiles(c, id, add, rewrite);
    if (c.keyMatches === false)
      add(
        'error',
        'key-mismatch',
        id,
        'the key does not match the certificate',
        `${rewrite}; if it persists, have the provider re-issue the certificate`,
      );
    if (c.daysLeft !== null && c.notAfter !== null) {
      const notAfter = new Date(c.notAfter);
      const expiry = `${describeExpiry(notAfter, now)} (${c.notAfter})`;
      if (c.daysLeft < 0)
        add(
          'error',
          'expired',
          id,
          expiry,
          'have the provider renew it (check its status and log); the next hook writes the new certificate',
        );
      else if (c.renewalOverdue && c.renewAt !== null)
        add(
          'warning',
          'renewal-overdue',
          id,
          `renewal overdue: due ${describeDue(new Date(c.renewAt), now)} (${c.renewAt}), no new certificate yet; ${expiry}`,
          c.renewalPending
            ? 'the new request is published and the provider has not answered: check the provider (juju status, juju debug-log)'
            : status.relation.renewalTrigger === 'hook-check'
              ? 'the next hook renews it (update-status runs every 5 minutes by default; this model has no secrets)'
              : `the next secret-expired or update-status hook renews it; if it stays overdue, see juju debug-log --include ${unit}`,
        );
      else if (c.daysLeft < warnDays)
        add(
          'warning',
          'expiring',
          id,
          expiry,
          `make sure the provider renews it before ${c.notAfter.slice(0, 10)}`,
        );
    }
  }
  checkCa(status, add, rewrite, unit);
  for (const p of status.problems) {
    // Problems about a requested certificate were reported with it above.
    if (status.certificates.some((c) => isAbout(p, c))) continue;
    const subject = p.commonName ? `${p.type ?? 'certificate'}/${p.commonName}` : (p.key ?? 'relation');
    add(
      'warning',
      'provider-problem',
      subject,
      `${MODEL_PROBLEM_CODES.has(p.code) ? 'not possible on this model' : 'provider data skipped'} (${p.code}): ${p.message}`,
      isUnrequested(p)
        ? `this unit did not request it and ignores it; ${problemRemedy(p.code)}`
        : problemRemedy(p.code),
      p.code,
    );
  }
  const level = findings.some((f) => f.level === 'error')
    ? 'error'
    : findings.some((f) => f.level === 'warning')
      ? 'warning'
      : 'ok';
  return { level, exitCode: level === 'error' ? 2 : level === 'warning' ? 1 : 0, findings };
}

type Add = (
  level: CheckFinding['level'],
  kind: CheckFindingKind,
  subject: string,
  message: string,
  remedy: string,
) => void;

function checkFiles(c: CertificateStatus, id: string, add: Add, rewrite: string): void {
  for (const f of c.files) {
    if (!f.exists) {
      add(
        'error',
        'file-missing',
        id,
        `${f.kind} file ${f.path} is missing`,
        `${rewrite}; if it goes missing again, find what deletes it`,
      );
      continue;
    }
    if (f.kind === 'key' && f.mode !== null && (Number.parseInt(f.mode, 8) & 0o007) !== 0) {
      add(
        'error',
        'key-readable',
        id,
        `key file ${f.path} is readable by others (mode ${f.mode})`,
        `run chmod o-rwx ${f.path} now (the next hook restores the configured mode), then find what widened it`,
      );
    }
    if (f.matchesRecorded === false)
      add(
        'warning',
        'file-changed',
        id,
        `${f.kind} file ${f.path} changed since the layer wrote it`,
        "the next hook puts the layer's version back; stop whatever else writes it, or request other paths",
      );
  }
  if (c.paths.cert !== null && c.daysLeft === null && c.files.some((f) => f.kind === 'cert' && f.exists)) {
    add(
      'error',
      'not-a-certificate',
      id,
      `certificate file ${c.paths.cert} does not hold a readable certificate`,
      rewrite,
    );
  }
}

function checkCa(status: TlsClientStatus, add: Add, rewrite: string, unit: string): void {
  const { ca } = status;
  if (ca.file !== null) {
    if (!ca.file.exists) add('error', 'ca-copy-missing', 'ca', `CA file ${ca.file.path} is missing`, rewrite);
    else if (ca.file.matchesRecorded === false)
      add(
        'warning',
        'ca-copy-changed',
        'ca',
        `CA file ${ca.file.path} changed`,
        "the next hook puts the layer's version back; stop whatever else writes it",
      );
  }
  const anchor = ca.anchor;
  if (anchor === null) return;
  const name = `"${ca.name ?? '?'}"`;
  const reinstall =
    'the next hook of the charm reinstalls it (update-status runs every 5 minutes by default)';
  switch (anchor.state) {
    case 'trusted':
      return;
    case 'missing': {
      const gone = anchor.files.filter((f) => !f.exists).map((f) => f.path);
      add(
        'error',
        'anchor-missing',
        'ca',
        `the CA ${name} is not trusted: its anchor ${gone.join(', ')} is missing`,
        `${reinstall}; if it disappears again, find what removes it`,
      );
      return;
    }
    case 'changed':
      add(
        'error',
        'anchor-changed',
        'ca',
        `the CA ${name} is not trusted as installed: its anchor ${anchor.files.map((f) => f.path).join(', ')} holds other bytes`,
        `${reinstall}; find what else writes it`,
      );
      return;
    case 'update-owed':
      add(
        'error',
        'anchor-update-owed',
        'ca',
        `the CA ${name} is not trusted yet: the trust store update failed and has not run since`,
        `the next hook retries it; see why it failed with juju debug-log --include ${unit}`,
      );
      return;
    case 'not-recorded':
      add(
        'error',
        'anchor-not-recorded',
        'ca',
        `the CA ${name} is not in the trust store: ${anchor.recordPath} has no record of it`,
        `${reinstall}; if you ran the hooks with TLS_CLIENT_TRUST_ROOT, pass the same directory with --trust-root`,
      );
      return;
    case 'unreadable':
      add(
        'error',
        'anchor-unreadable',
        'ca',
        `cannot check the CA ${name} in the trust store (${anchor.error?.code ?? 'unknown'}): ${anchor.error?.message ?? ''}`,
        `fix or move aside ${anchor.recordPath}; the next hook rebuilds it`,
      );
      return;
  }
}

/**
 * Whether the problem is about data this unit never asked for: the layer's `requested: false` when
 * the state has that classification (read defensively, an older state has none), else a common
 * name no request of ours has.
 */
function isUnrequested(p: Problem): boolean {
  const requested = (p as { requested?: unknown }).requested;
  return typeof requested === 'boolean' ? !requested : p.commonName !== undefined;
}

/** Whether the certificate lists this problem (compared by content, so a status parsed from JSON works too). */
function isAbout(p: Problem, c: CertificateStatus): boolean {
  return c.problems.some(
    (q) => q.code === p.code && q.key === p.key && q.commonName === p.commonName && q.message === p.message,
  );
}

/** The layer's problem for a provider `request_errors` entry (reported as `request-error` instead). */
const REQUEST_ERROR_PROBLEM = /REQUEST_ERROR|REFUSED/;

/** `102 DOMAIN_NOT_ALLOWED: <the provider's message>` on one line, the message clipped. */
export function describeRequestError(e: RequestErrorStatus): string {
  // Text from another charm: control characters (newlines, escapes) become spaces.
  const text = [...e.message]
    .map((ch) => ((ch.codePointAt(0) ?? 0) < 0x20 || ch === '\u007f' ? ' ' : ch))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  const message = text.length > 160 ? `${text.slice(0, 159)}…` : text;
  return `${e.code} ${e.name}${message === '' ? '' : `: ${message}`}`;
}

/** `2 hours ago`, `in 3 days`: when a renewal was due. */
function describeDue(due: Date, now: Date): string {
  return describeExpiry(due, now)
    .replace(/^expired /, '')
    .replace(/^expires /, '');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
