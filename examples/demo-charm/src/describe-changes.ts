import type { Changes } from '@tls-client/layer';

/**
 * One log line's worth of what changed, from the layer's reload signal: `CA, client demo, server
 * 203.0.113.10`, with how each certificate changed unless it is new (`server 10.0.0.5 renewed`).
 */
export function describeChanges(changes: Changes): string {
  const parts = changes.certificates.map(
    (c) => `${c.type} ${c.commonName}${c.kind === 'new' ? '' : ` ${c.kind}`}`,
  );
  return [...(changes.ca ? ['CA'] : []), ...parts.sort()].join(', ');
}
