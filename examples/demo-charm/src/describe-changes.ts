import type { Changes } from '@tls-client/layer';

/**
 * One log line's worth of what changed, from the layer's reload signal: `CA, client demo, server
 * 203.0.113.10`, with how each certificate changed when the layer says (`server 10.0.0.5 renewed`).
 */
export function describeChanges(changes: Changes): string {
  const parts = changes.certificates.map((c) => {
    // `kind` (new / renewed / rotated) comes with the v4 requirer; an older layer has none.
    const kind = (c as { kind?: unknown }).kind;
    return `${c.type} ${c.commonName}${typeof kind === 'string' && kind !== 'new' ? ` ${kind}` : ''}`;
  });
  return [...(changes.ca ? ['CA'] : []), ...parts.sort()].join(', ');
}
