import { DatabagEditor, setOwn } from './databag-editor.js';
import type { IntermediateShape } from './decode-provider-data.js';
import { assertCertRequest } from './encode-requirer-data.js';
import type { CertRequest, CertType, Databag, DatabagChanges } from './types.js';
import { mangleUnitName } from './unit-name.js';

/** A certificate issued for one request of one requirer unit. */
export interface ProviderAnswer {
  /** The requirer unit, as `decodeRequirerData` returned it (mangled or not: `/` becomes `_`). */
  unitName: string;
  /** The request answered; `topLevel` sends a server answer to `<U>.server.cert` / `<U>.server.key`. */
  request: CertRequest & { topLevel?: boolean };
  cert: string;
  key: string;
}

/** Input of {@link encodeProviderData}. */
export interface EncodeProviderDataInput {
  /** The provider unit's databag as published now. */
  current?: Databag;
  /** The CA certificate (raw `ca`); `""` deletes it, undefined leaves it as is. */
  ca?: string;
  /** The intermediate chain (raw `chain`); `""` deletes it, undefined leaves it as is. */
  chain?: string;
  /** The deprecated global client certificate (`client.cert` / `client.key`). */
  globalClient?: { cert: string; key: string };
  /**
   * Answers to write. An application answer goes to the `app_data` entry of
   * `<U>.processed_application_requests`; the reactive provider writes it for every unit of the
   * relation, so pass one answer per requirer unit.
   */
  answers?: readonly ProviderAnswer[];
  /**
   * How to write intermediate answers: `per-cn` (default, what the reactive provider writes) or
   * `app_data` (what the reactive requirer reads).
   */
  intermediateShape?: IntermediateShape;
}

const MAP_SUFFIXES: Record<CertType, string> = {
  server: 'processed_requests',
  client: 'processed_client_requests',
  application: 'processed_application_requests',
  intermediate: 'processed_intermediate_requests',
};

function assertString(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`encodeProviderData: ${what} must be a string`);
}

/**
 * Provider side: writes the CA, chain, global client certificate and answers into the provider
 * unit's databag as the reactive provider does, and returns the difference to publish. A top-level
 * server answer goes to raw `<U>.server.cert` / `<U>.server.key`; every other answer to its
 * `<U>.processed_*` JSON map (Python `json.dumps(sort_keys=True)` bytes), keeping other entries.
 *
 * @throws TypeError for malformed arguments. A published `processed_*` value that is not a JSON object
 *   is replaced and reported in `problems`.
 * @example
 * const { set } = encodeProviderData({ current, ca, answers: [{ unitName, request, cert, key }] });
 */
export function encodeProviderData(input: EncodeProviderDataInput): DatabagChanges {
  if (input === null || typeof input !== 'object')
    throw new TypeError('encodeProviderData: input must be an object');
  const { current, ca, chain, globalClient, answers = [], intermediateShape = 'per-cn' } = input;
  if (intermediateShape !== 'per-cn' && intermediateShape !== 'app_data') {
    throw new TypeError("encodeProviderData: intermediateShape must be 'per-cn' or 'app_data'");
  }
  if (!Array.isArray(answers as unknown)) throw new TypeError('encodeProviderData: answers must be an array');
  const editor = new DatabagEditor(current, 'encodeProviderData');
  if (ca !== undefined) {
    assertString(ca, 'ca');
    editor.setRaw('ca', ca);
  }
  if (chain !== undefined) {
    assertString(chain, 'chain');
    editor.setRaw('chain', chain);
  }
  if (globalClient !== undefined) {
    assertString(globalClient?.cert, 'globalClient.cert');
    assertString(globalClient.key, 'globalClient.key');
    editor.setRaw('client.cert', globalClient.cert);
    editor.setRaw('client.key', globalClient.key);
  }
  answers.forEach((answer, i) => {
    const where = `answers[${i}]`;
    if (answer === null || typeof answer !== 'object')
      throw new TypeError(`encodeProviderData: ${where} must be an object`);
    assertString(answer.unitName, `${where}.unitName`);
    if (answer.unitName === '')
      throw new TypeError(`encodeProviderData: ${where}.unitName must not be empty`);
    assertCertRequest(answer.request, `encodeProviderData: ${where}.request`);
    assertString(answer.cert, `${where}.cert`);
    assertString(answer.key, `${where}.key`);
    const prefix = mangleUnitName(answer.unitName);
    const { type, commonName } = answer.request;
    if (type === 'server' && answer.request.topLevel === true) {
      editor.setRaw(`${prefix}.server.cert`, answer.cert);
      editor.setRaw(`${prefix}.server.key`, answer.key);
      return;
    }
    const entryName =
      type === 'application' || (type === 'intermediate' && intermediateShape === 'app_data')
        ? 'app_data'
        : commonName;
    setOwn(editor.map(`${prefix}.${MAP_SUFFIXES[type]}`), entryName, { cert: answer.cert, key: answer.key });
  });
  return editor.finish();
}
