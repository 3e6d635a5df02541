import type { FlagStore } from '@tls-client/flags';
import { PATHS_KEY, type PathRegistry, REQUESTS_KEY, type StoredPaths, type StoredRequest } from './state.js';
import type { CertFileOptions } from './tls-client.js';

/** A request made before `run()` opened the store; internal. */
export interface PendingRequest {
  request: StoredRequest;
  files: CertFileOptions | undefined;
}

/** Records a request and, when it names files, its paths (kept when a later call names none). */
export function applyRequest(store: FlagStore, entry: PendingRequest): void {
  const { request, files } = entry;
  const requests = store.getValue<StoredRequest[]>(REQUESTS_KEY) ?? [];
  const index = requests.findIndex((r) => r.type === request.type && r.commonName === request.commonName);
  const next = [...requests];
  if (index === -1) next.push(request);
  else next[index] = request;
  if (JSON.stringify(next) !== JSON.stringify(requests)) store.setValue(REQUESTS_KEY, next);

  if (files === undefined || (files.certPath === undefined && files.keyPath === undefined)) return;
  const registry = store.getValue<PathRegistry>(PATHS_KEY) ?? {};
  const paths: StoredPaths = {
    crt: files.certPath ?? null,
    key: files.keyPath ?? null,
    chain: files.chainPath ?? null,
    fullchain: files.fullchainPath ?? null,
    owner: files.owner ?? null,
    group: files.group ?? null,
    certMode: files.certMode ?? null,
    keyMode: files.keyMode ?? null,
  };
  const current = registry[request.type]?.[request.commonName];
  if (current !== undefined && JSON.stringify(current) === JSON.stringify(paths)) return;
  store.setValue(PATHS_KEY, {
    ...registry,
    [request.type]: { ...(registry[request.type] ?? {}), [request.commonName]: paths },
  });
}
