// Internal: the wire names of `capabilities`, in the Python model's declaration order (the order
// json.dumps writes them in).
import type { ProviderCapabilities } from './types.js';

export type CapabilityKind = 'boolean' | 'string' | 'string[]';

export const CAPABILITY_FIELDS: readonly (readonly [keyof ProviderCapabilities, string, CapabilityKind])[] = [
  ['supportsIpSans', 'supports_ip_sans', 'boolean'],
  ['supportsWildcardDns', 'supports_wildcard_dns', 'boolean'],
  ['supportsSubdomain', 'supports_subdomain', 'boolean'],
  ['supportsCaCertificates', 'supports_ca_certificates', 'boolean'],
  ['allowedDomains', 'allowed_domains', 'string[]'],
  ['providerType', 'provider_type', 'string'],
];

export function hasKind(value: unknown, kind: CapabilityKind): boolean {
  if (kind === 'string[]') return Array.isArray(value) && value.every((item) => typeof item === 'string');
  return typeof value === kind;
}
