/** A Juju workload status the charm may set. */
export interface WorkloadStatus {
  status: 'maintenance' | 'blocked' | 'waiting' | 'active';
  message: string;
}

/** A problem as the layer reports it (`problems()`); messages carry no secrets. */
export interface DemoProblem {
  code: string;
  message: string;
  commonName?: string | undefined;
  /** `'warning'`: about data this unit never asked for; it does not block. */
  severity?: 'error' | 'warning' | undefined;
}

/** A certificate the layer holds files for, as `RunResult.certificates` lists it. */
export interface DemoCertificate {
  type: string;
  commonName: string;
  /** ISO time. */
  notAfter: string;
  expired: boolean;
}

/** What the status depends on, read from the layer after its run. */
export interface DemoState {
  /** A relation exists on the certificates endpoint (`RunResult.connected`). */
  related: boolean;
  /** `tls_client.ca.saved`. */
  caSaved: boolean;
  /** `tls_client.certs.saved`: every requested certificate is on disk. */
  certsSaved: boolean;
  /** The layer's problems from this hook (`problems()`). */
  problems: readonly DemoProblem[];
  /** The certificates on disk (`RunResult.certificates`); default none. */
  certificates?: readonly DemoCertificate[] | undefined;
  /** What "2 days ago" counts from; default now. */
  now?: Date | undefined;
  /** A config value the charm cannot use. */
  configError?: string | undefined;
}

const MAX_MESSAGE = 120;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}

/** `2 days ago`, `5 hours ago`, `1 minute ago`: whole units, rounded down. */
export function ago(then: Date, now: Date): string {
  const ms = Math.max(0, now.getTime() - then.getTime());
  const [n, unit] =
    ms >= DAY_MS
      ? [Math.floor(ms / DAY_MS), 'day']
      : ms >= HOUR_MS
        ? [Math.floor(ms / HOUR_MS), 'hour']
        : [Math.max(1, Math.floor(ms / 60_000)), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

/**
 * Chooses the workload status:
 * - blocked for what an operator must fix: config, no relation, bad data from the provider about
 *   what this unit requested (a problem about data it never asked for is only logged by the layer);
 * - waiting while the provider has not answered;
 * - active once the CA and every certificate are saved. An expired certificate is still served
 *   (the layer keeps it and renews it), so it stays active and says so:
 *   `server certificate expired 2 days ago`.
 */
export function chooseStatus(state: DemoState): WorkloadStatus {
  if (state.configError !== undefined) return { status: 'blocked', message: clip(state.configError) };
  if (!state.related) {
    return { status: 'blocked', message: 'needs a certificates relation (juju integrate demo <ca>)' };
  }
  const blocking = state.problems.filter((p) => p.severity !== 'warning');
  const [first] = blocking;
  if (first !== undefined) {
    const more = blocking.length > 1 ? ` (+${blocking.length - 1} more)` : '';
    const about = first.commonName === undefined ? '' : ` for ${first.commonName}`;
    // A v4 provider's request_errors entry: the provider refused the request (e.g. a domain).
    const what =
      first.code === 'ERR_LAYER_REQUEST_REFUSED' ? 'certificate request refused' : 'bad certificate data';
    return { status: 'blocked', message: clip(`${what}${about}: ${first.message}${more}`) };
  }
  if (!state.caSaved) return { status: 'waiting', message: 'waiting for the CA certificate' };
  if (!state.certsSaved) return { status: 'waiting', message: 'waiting for certificates' };
  const expired = (state.certificates ?? []).filter((c) => c.expired);
  const [oldest] = [...expired].sort((a, b) => a.notAfter.localeCompare(b.notAfter));
  if (oldest !== undefined) {
    const more = expired.length > 1 ? ` (+${expired.length - 1} more)` : '';
    const when = ago(new Date(oldest.notAfter), state.now ?? new Date());
    return { status: 'active', message: clip(`${oldest.type} certificate expired ${when}${more}`) };
  }
  return { status: 'active', message: 'certificates ready' };
}
