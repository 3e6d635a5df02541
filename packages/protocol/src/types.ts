import type { ProtocolError } from './errors.js';

/** The four kinds of certificate a requirer can ask for. */
export type CertType = 'server' | 'client' | 'application' | 'intermediate';

/** A unit databag as Juju stores it: every value is a string. */
export type Databag = Readonly<Record<string, string>>;

/** One certificate request, as the requirer makes it. */
export interface CertRequest {
  type: CertType;
  /** The certificate's common name; also its key in the request maps. */
  commonName: string;
  /**
   * Subject alternative names. `null` is kept only for client and application requests (the wire
   * carries `"sans": null` there); server and intermediate requests write `[]` instead.
   */
  sans: string[] | null;
}

/** The result of an encoder: the whole databag afterwards and the difference to publish. */
export interface DatabagChanges {
  /** The whole databag after the change. */
  data: Record<string, string>;
  /** Keys whose value is new or different; publish these. */
  set: Record<string, string>;
  /** Keys to delete (send `""` to `relation-set`). */
  deleted: string[];
  /** True when `set` or `deleted` is non-empty. */
  changed: boolean;
  /**
   * Values of `current` that could not be read (e.g. a request map that is not JSON) and were
   * replaced. Empty in normal operation.
   */
  problems: ProtocolError[];
}
