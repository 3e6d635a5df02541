import type { CertType } from '@tls-client/protocol';
import type { Checked, CheckedView } from './check-provider-data.js';
import type { PathRegistry } from './state.js';

/** Which validated answer belongs to which registered request: type → common name → answer. */
export type AnswerMap = Record<CertType, Map<string, Checked>>;

/**
 * Matches the validated answers to the requests that have paths. Pure.
 * - Server, client and intermediate answers match by common name.
 * - The reactive requirer reads intermediates and the application certificate as `app_data`; with
 *   a single request of that type the answer can only be for it.
 * - The global client certificate stands in for every client request, as in the original, but
 *   only when the provider published no per-unit client data at all (readable or not), and only
 *   when both global values exist and validated (W4).
 */
export function matchAnswers(view: CheckedView, registry: PathRegistry): AnswerMap {
  const maps: AnswerMap = {
    server: new Map(view.server.map((c) => [c.issued.commonName, c])),
    client: new Map(view.client.map((c) => [c.issued.commonName, c])),
    intermediate: new Map(view.intermediate.map((c) => [c.issued.commonName, c])),
    application: new Map(),
  };
  const registered = (type: CertType) => Object.keys(registry[type] ?? {});
  const intermediateApp = maps.intermediate.get('app_data');
  const intermediates = registered('intermediate');
  if (intermediateApp !== undefined && intermediates.length === 1)
    maps.intermediate.set(intermediates[0]!, intermediateApp);
  if (view.application !== undefined) {
    for (const cn of registered('application')) maps.application.set(cn, view.application);
  }
  if (!view.clientPublished && view.globalClient !== undefined) {
    for (const cn of registered('client')) maps.client.set(cn, view.globalClient);
  }
  return maps;
}
