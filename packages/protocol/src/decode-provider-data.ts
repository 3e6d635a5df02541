import type { ProtocolError } from './errors.js';
import { isPyFalsy, type Origin, Problems, readCertEntry, readJsonMap } from './fields.js';
import { type KeySource, mergeWithSources, type ProviderUnitData } from './merge-unit-data.js';
import type { CertType, Databag } from './types.js';
import { mangleUnitName } from './unit-name.js';

/** A certificate a provider issued for this unit. */
export interface IssuedCertificate {
  type: CertType;
  /** The request's common name; `app_data` for application (and `app_data`-shaped intermediate) certificates. */
  commonName: string;
  /** Raw strings as published: they may have text around the PEM (see `extractPemBlocks`). */
  cert: string;
  key: string;
  /** The merged databag key it came from, e.g. `app_0.processed_requests`. */
  sourceKey: string;
}

/** How `<U>.processed_intermediate_requests` was read. */
export type IntermediateShape = 'app_data' | 'per-cn';

/** What the provider units published for this unit, merged and decoded. */
export interface ProviderView {
  /** Raw `ca`; absent when unset or empty. */
  ca?: string;
  /** Raw `chain`; absent when unset or empty. */
  chain?: string;
  /** Top-level answer first, then `processed_requests` in document order. */
  server: IssuedCertificate[];
  client: IssuedCertificate[];
  intermediate: IssuedCertificate[];
  /** The `app_data` entry of `processed_application_requests`. */
  application?: IssuedCertificate;
  /** The deprecated global `client.cert` / `client.key`, only when both are present. */
  globalClient?: { cert: string; key: string };
  /** Which shape `processed_intermediate_requests` had, when it had entries; log it. */
  intermediateShape?: IntermediateShape;
  /** Every skipped value, with code and key. */
  problems: ProtocolError[];
}

/** Input of {@link decodeProviderData}. */
export interface DecodeProviderDataInput {
  /** Our unit, e.g. `app/0` (mangled to find our keys). */
  unitName: string;
  /** All remote units of all relations on the endpoint. */
  units: readonly ProviderUnitData[];
  /** Our own databag; its raw `common_name` names the top-level server certificate. */
  published?: Databag;
  /**
   * How to read `processed_intermediate_requests`: `auto` (default) uses the `app_data` entry when
   * present (what the reactive requirer reads), otherwise one certificate per common name (what the
   * reactive provider writes).
   */
  intermediateShape?: 'auto' | IntermediateShape;
}

/**
 * Requirer side: merges what all provider units published (lowest relation id, then unit name,
 * wins each key) and decodes the CA, chain and every certificate issued for `unitName`. Never throws
 * for bad relation data: unreadable values and entries missing `cert` or `key` are skipped and
 * reported in `problems`.
 *
 * @throws TypeError for caller mistakes (e.g. `units` is not an array of string maps).
 * @example
 * const view = decodeProviderData({ unitName: 'app/0', units, published: ourDatabag });
 * for (const c of view.server) console.log(c.commonName, view.problems.length);
 */
export function decodeProviderData(input: DecodeProviderDataInput): ProviderView {
  if (input === null || typeof input !== 'object')
    throw new TypeError('decodeProviderData: input must be an object');
  const { unitName, units, published, intermediateShape = 'auto' } = input;
  if (typeof unitName !== 'string' || unitName === '') {
    throw new TypeError('decodeProviderData: unitName must be a non-empty string');
  }
  if (published !== undefined && (published === null || typeof published !== 'object')) {
    throw new TypeError('decodeProviderData: published must be an object');
  }
  if (!['auto', 'app_data', 'per-cn'].includes(intermediateShape)) {
    throw new TypeError("decodeProviderData: intermediateShape must be 'auto', 'app_data' or 'per-cn'");
  }
  const { data, sources } = mergeWithSources(units);
  const origin = (key: string): Origin | undefined => sources.get(key) as KeySource | undefined;
  const problems = new Problems();
  const prefix = mangleUnitName(unitName);
  const view: ProviderView = { server: [], client: [], intermediate: [], problems: problems.list };

  if (data.ca) view.ca = data.ca;
  if (data.chain) view.chain = data.chain;

  const pair = (certKey: string, keyKey: string): { cert: string; key: string } | undefined => {
    const cert = Object.hasOwn(data, certKey) ? data[certKey] : undefined;
    const key = Object.hasOwn(data, keyKey) ? data[keyKey] : undefined;
    if (cert && key) return { cert, key };
    if (cert || key) {
      const [present, missing] = cert ? [certKey, keyKey] : [keyKey, certKey];
      problems.add(
        'ERR_PROTOCOL_MISSING_FIELD',
        missing,
        `is missing while ${JSON.stringify(present)} is set`,
        origin(present),
      );
    }
    return undefined;
  };

  const serverCertKey = `${prefix}.server.cert`;
  const top = pair(serverCertKey, `${prefix}.server.key`);
  if (top !== undefined) {
    const commonName = published === undefined ? undefined : published.common_name;
    if (typeof commonName === 'string' && commonName !== '') {
      view.server.push({ type: 'server', commonName, ...top, sourceKey: serverCertKey });
    } else {
      problems.add(
        'ERR_PROTOCOL_MISSING_FIELD',
        serverCertKey,
        'answers the top-level request, but our published databag has no "common_name"',
        origin(serverCertKey),
      );
    }
  }

  const readMap = (suffix: string, type: CertType, into: IssuedCertificate[]): void => {
    const key = `${prefix}.${suffix}`;
    const map = readJsonMap(data, key, problems, origin(key), 'mapping common names to {"cert", "key"}');
    if (map === undefined) return;
    for (const commonName of Object.keys(map)) {
      const entry = readCertEntry(map[commonName], key, commonName, problems, origin(key));
      if (entry !== undefined)
        into.push({ type, commonName, cert: entry.cert, key: entry.key, sourceKey: key });
    }
  };
  readMap('processed_requests', 'server', view.server);
  readMap('processed_client_requests', 'client', view.client);

  const applicationKey = `${prefix}.processed_application_requests`;
  const applicationMap = readJsonMap(
    data,
    applicationKey,
    problems,
    origin(applicationKey),
    'with an "app_data" entry',
  );
  // Python skips an empty `app_data` silently (`if app_data:`), so only a non-empty one is read.
  if (applicationMap !== undefined && !isPyFalsy(applicationMap.app_data)) {
    const entry = readCertEntry(
      applicationMap.app_data,
      applicationKey,
      'app_data',
      problems,
      origin(applicationKey),
    );
    if (entry !== undefined) {
      view.application = { type: 'application', commonName: 'app_data', ...entry, sourceKey: applicationKey };
    }
  }

  const intermediateKey = `${prefix}.processed_intermediate_requests`;
  const intermediateMap = readJsonMap(
    data,
    intermediateKey,
    problems,
    origin(intermediateKey),
    'mapping common names (or "app_data") to {"cert", "key"}',
  );
  if (intermediateMap !== undefined) {
    const hasAppData = Object.hasOwn(intermediateMap, 'app_data');
    const shape: IntermediateShape =
      intermediateShape === 'auto' ? (hasAppData ? 'app_data' : 'per-cn') : intermediateShape;
    view.intermediateShape = shape;
    if (shape === 'app_data') {
      if (hasAppData) {
        const entry = readCertEntry(
          intermediateMap.app_data,
          intermediateKey,
          'app_data',
          problems,
          origin(intermediateKey),
        );
        if (entry !== undefined) {
          view.intermediate.push({
            type: 'intermediate',
            commonName: 'app_data',
            ...entry,
            sourceKey: intermediateKey,
          });
        }
      }
    } else {
      for (const commonName of Object.keys(intermediateMap)) {
        const entry = readCertEntry(
          intermediateMap[commonName],
          intermediateKey,
          commonName,
          problems,
          origin(intermediateKey),
        );
        if (entry !== undefined) {
          view.intermediate.push({ type: 'intermediate', commonName, ...entry, sourceKey: intermediateKey });
        }
      }
    }
  }

  const globalClient = pair('client.cert', 'client.key');
  if (globalClient !== undefined) view.globalClient = globalClient;
  return view;
}
