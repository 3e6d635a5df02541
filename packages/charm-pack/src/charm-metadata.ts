import { isMap, isScalar, parseDocument } from 'yaml';

/** A fault Juju would refuse a charm for, as found in its metadata or manifest. */
export interface MetadataFault {
  code: string;
  message: string;
}

/** Juju's charm name rule: lower-case words of letters and digits joined by `-`, starting with a letter. */
const CHARM_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$/;

/** Juju's architecture names. */
export const JUJU_ARCHITECTURES: readonly string[] = ['amd64', 'arm64', 'ppc64el', 's390x', 'riscv64'];

/** YAML text parsed as a mapping, or a fault naming the file. */
export function parseYamlMapping(
  text: string,
  file: string,
):
  | { ok: true; value: Record<string, unknown>; document: ReturnType<typeof parseDocument> }
  | { ok: false; fault: MetadataFault } {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    return {
      ok: false,
      fault: { code: 'invalid-yaml', message: `${file} is not valid YAML: ${first.message.split('\n')[0]}` },
    };
  }
  const value: unknown = document.toJS();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, fault: { code: 'invalid-yaml', message: `${file} must be a YAML mapping` } };
  }
  return { ok: true, value: value as Record<string, unknown>, document };
}

/**
 * Checks `metadata.yaml` as Juju reads it: `name` (a valid charm name), `summary` and `description`
 * present and non-empty, and no `series` (Juju 4 refuses it; bases belong in `manifest.yaml`).
 */
export function checkMetadata(
  text: string,
  file = 'metadata.yaml',
): { name?: string; faults: MetadataFault[] } {
  const parsed = parseYamlMapping(text, file);
  if (!parsed.ok) return { faults: [parsed.fault] };
  const meta = parsed.value;
  const faults: MetadataFault[] = [];
  for (const field of ['name', 'summary', 'description']) {
    const value = meta[field];
    if (typeof value !== 'string' || value.trim() === '') {
      faults.push({
        code: 'metadata-missing-field',
        message: `${file} has no ${field} (a non-empty string is required)`,
      });
    }
  }
  const name = typeof meta.name === 'string' ? meta.name : undefined;
  if (name !== undefined && name.trim() !== '' && !CHARM_NAME.test(name)) {
    faults.push({
      code: 'metadata-invalid-name',
      message: `${file}: name ${JSON.stringify(name.slice(0, 60))} is not a valid charm name (lower-case letters, digits and "-", starting with a letter)`,
    });
  }
  if ('series' in meta) {
    faults.push({
      code: 'metadata-series',
      message: `${file} has "series": Juju 4 refuses it and Juju 3 ignores it beside manifest.yaml; remove it (the bases go in manifest.yaml)`,
    });
  }
  return { ...(name === undefined ? {} : { name }), faults };
}

/**
 * Checks `manifest.yaml` as Juju reads it: a non-empty `bases` list of `{name, channel,
 * architectures}`, each channel a quoted string (an unquoted `22.04` is a YAML float, which Juju
 * refuses) and each architecture one Juju knows. Returns the architectures named.
 */
export function checkManifest(
  text: string,
  file = 'manifest.yaml',
): { architectures: string[]; faults: MetadataFault[] } {
  const parsed = parseYamlMapping(text, file);
  if (!parsed.ok) return { architectures: [], faults: [parsed.fault] };
  const faults: MetadataFault[] = [];
  const architectures = new Set<string>();
  const basesNode = parsed.document.get('bases', true);
  const bases = parsed.value.bases;
  if (!Array.isArray(bases) || bases.length === 0) {
    return {
      architectures: [],
      faults: [{ code: 'manifest-no-bases', message: `${file} has no bases list` }],
    };
  }
  bases.forEach((base: unknown, index) => {
    const where = `${file}: bases[${index}]`;
    if (typeof base !== 'object' || base === null || Array.isArray(base)) {
      faults.push({ code: 'manifest-invalid-base', message: `${where} must be a mapping` });
      return;
    }
    const b = base as Record<string, unknown>;
    if (typeof b.name !== 'string' || b.name === '') {
      faults.push({ code: 'manifest-invalid-base', message: `${where} has no name (e.g. ubuntu)` });
    }
    // The node tells a quoted '22.04' (a string) from a bare 22.04 (a float).
    const baseNode = (basesNode as { items?: unknown[] } | undefined)?.items?.[index];
    const channelNode = isMap(baseNode) ? baseNode.get('channel', true) : undefined;
    const isString =
      typeof b.channel === 'string' && (!isScalar(channelNode) || typeof channelNode.value === 'string');
    if (b.channel === undefined) {
      faults.push({ code: 'manifest-invalid-base', message: `${where} has no channel` });
    } else if (!isString) {
      faults.push({
        code: 'manifest-channel-not-string',
        message: `${where}: channel ${String(b.channel)} is a YAML ${typeof b.channel}; Juju needs a quoted string such as '22.04'`,
      });
    }
    if (!Array.isArray(b.architectures) || b.architectures.length === 0) {
      faults.push({ code: 'manifest-invalid-base', message: `${where} has no architectures list` });
      return;
    }
    for (const arch of b.architectures) {
      if (typeof arch !== 'string' || !JUJU_ARCHITECTURES.includes(arch)) {
        faults.push({
          code: 'manifest-unknown-architecture',
          message: `${where}: architecture ${JSON.stringify(arch)} is not one Juju knows (${JUJU_ARCHITECTURES.join(', ')})`,
        });
      } else architectures.add(arch);
    }
  });
  return { architectures: [...architectures], faults };
}
