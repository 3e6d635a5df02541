import { createHash } from 'node:crypto';
import { pyJsonDumps } from '@tls-client/protocol';

/**
 * The reactive `data_changed` hash of a value: lowercase hex md5 of Python's
 * `json.dumps(value, sort_keys=True)` in UTF-8 (tls-client-layer.md §3), so hashes match the
 * reactive helper's byte for byte.
 * @throws TypeError when the value cannot be encoded as JSON.
 */
export function dataHash(value: unknown): string {
  return createHash('md5').update(pyJsonDumps(value), 'utf8').digest('hex');
}
