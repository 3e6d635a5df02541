/** Why packing or checking a charm failed. */
export type CharmPackErrorCode =
  /** The charm folder, its `metadata.yaml` or another input file is missing or unreadable. */
  | 'ERR_CHARM_PACK_MISSING_FILE'
  /** `metadata.yaml`, `config.yaml`, `actions.yaml` or `manifest.yaml` is not valid for Juju. */
  | 'ERR_CHARM_PACK_INVALID_METADATA'
  /** The bundler failed, or the bundle still imports something it could not resolve. */
  | 'ERR_CHARM_PACK_BUNDLE_FAILED'
  /** An architecture other than those the packer ships Node for. */
  | 'ERR_CHARM_PACK_UNKNOWN_ARCHITECTURE'
  /** The Node package could not be fetched, or its bytes do not match the pinned integrity. */
  | 'ERR_CHARM_PACK_NODE_FETCH_FAILED'
  /** A `.charm` is not a zip Juju can read, or breaks one of Juju's rules (see `checkCharm`). */
  | 'ERR_CHARM_PACK_INVALID_CHARM'
  /** Writing the `.charm` or unpacking one failed. */
  | 'ERR_CHARM_PACK_IO';

/** The error of `@tls-client/charm-pack`. The message names the file; never a file's contents. */
export class CharmPackError extends Error {
  // A literal rather than this.constructor.name, which minifiers rename.
  override readonly name = 'CharmPackError';
  readonly code: CharmPackErrorCode;
  /** The file concerned, when there is one. */
  readonly path: string | undefined;
  constructor(code: CharmPackErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.path = options.path;
  }
}
