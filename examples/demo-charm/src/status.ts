/** A Juju workload status the charm may set. */
export interface WorkloadStatus {
  status: 'maintenance' | 'blocked' | 'waiting' | 'active';
  message: string;
}

/** What the status depends on, read from the layer after its run. */
export interface DemoState {
  /** A relation exists on the certificates endpoint. */
  related: boolean;
  /** `tls_client.ca.saved`. */
  caSaved: boolean;
  /** `tls_client.certs.saved`: every requested certificate is on disk. */
  certsSaved: boolean;
  /** The layer's problems from this hook (bad provider data); messages carry no secrets. */
  problems: readonly { code: string; message: string; commonName?: string | undefined }[];
  /** A config value the charm cannot use. */
  configError?: string | undefined;
}

const MAX_MESSAGE = 120;

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}

/**
 * Chooses the workload status: blocked for what an operator must fix (config, no relation, bad
 * data from the provider), waiting while the provider has not answered, active once the CA and
 * every certificate are saved.
 */
export function chooseStatus(state: DemoState): WorkloadStatus {
  if (state.configError !== undefined) return { status: 'blocked', message: clip(state.configError) };
  if (!state.related) {
    return { status: 'blocked', message: 'needs a certificates relation (juju integrate demo <ca>)' };
  }
  const [first] = state.problems;
  if (first !== undefined) {
    const more = state.problems.length > 1 ? ` (+${state.problems.length - 1} more)` : '';
    const about = first.commonName === undefined ? '' : ` for ${first.commonName}`;
    return { status: 'blocked', message: clip(`bad certificate data${about}: ${first.message}${more}`) };
  }
  if (!state.caSaved) return { status: 'waiting', message: 'waiting for the CA certificate' };
  if (!state.certsSaved) return { status: 'waiting', message: 'waiting for certificates' };
  return { status: 'active', message: 'certificates ready' };
}
