// The worked example of the legacy protocol spec (§7), end to end: the requirer's calls, the
// databags both sides publish (byte for byte), and what each side decodes. PEM bodies are
// abbreviated with ASCII "..." here, because a real "…" would be escaped as \u2026 on the wire.
import { describe, expect, it } from 'vitest';
import {
  decodeProviderData,
  decodeRequirerData,
  encodeProviderData,
  encodeRequirerData,
} from '../src/index.js';

const pem = (label: string, body: string, newline = true): string =>
  `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----${newline ? '\n' : ''}`;
const CA = pem('CERTIFICATE', 'MIID...CA...', false);
const GC = pem('CERTIFICATE', 'MIID...GC...');
const GK = pem('PRIVATE KEY', 'MIIE...GK...');
const S1 = pem('CERTIFICATE', 'MIIE...S1...');
const K1 = pem('PRIVATE KEY', 'MIIE...K1...');
const S2 = pem('CERTIFICATE', 'MIIC...S2...');
const K2 = pem('PRIVATE KEY', 'MIIE...K2...');
const C1 = pem('CERTIFICATE', 'MIIC...C1...');
const K3 = pem('PRIVATE KEY', 'MIIE...K3...');
const jsonPem = (text: string): string => text.replaceAll('\n', '\\n');

const UNIT = 'kubernetes-control-plane/0';
const CERT_NAME = '3f0c1c9e-5a7e-4b8e-9d52-0d6f0b7d2a41';
const jujuKeys = (address: string) => ({
  'private-address': address,
  'ingress-address': address,
  'egress-subnets': `${address}/32`,
});

const requirerDatabag = {
  unit_name: 'kubernetes-control-plane_0',
  common_name: '10.0.0.5',
  sans: '["10.0.0.5", "kubernetes", "kubernetes.default"]',
  certificate_name: CERT_NAME,
  cert_requests:
    '{"kubernetes.default.svc": {"sans": ["10.152.183.1", "kubernetes.default.svc.cluster.local"]}}',
  client_cert_requests: '{"system:kube-apiserver": {"sans": null}}',
  ...jujuKeys('10.0.0.5'),
};

const providerDatabag = {
  ca: CA,
  'client.cert': GC,
  'client.key': GK,
  'kubernetes-control-plane_0.server.cert': S1,
  'kubernetes-control-plane_0.server.key': K1,
  'kubernetes-control-plane_0.processed_requests': `{"kubernetes.default.svc": {"cert": "${jsonPem(S2)}", "key": "${jsonPem(K2)}"}}`,
  'kubernetes-control-plane_0.processed_client_requests': `{"system:kube-apiserver": {"cert": "${jsonPem(C1)}", "key": "${jsonPem(K3)}"}}`,
  ...jujuKeys('10.0.0.2'),
};

const calls = [
  { type: 'server', commonName: '10.0.0.5', sans: ['10.0.0.5', 'kubernetes', 'kubernetes.default'] },
  {
    type: 'server',
    commonName: 'kubernetes.default.svc',
    sans: ['10.152.183.1', 'kubernetes.default.svc.cluster.local'],
  },
  // Through the tls-client layer with no SANs: `sans` is None.
  { type: 'client', commonName: 'system:kube-apiserver', sans: null },
] as const;

describe('spec worked example (§7)', () => {
  it('publishes the requirer databag of the spec, one hook per call', () => {
    let current: Record<string, string> = jujuKeys('10.0.0.5');
    for (const request of calls) {
      const changes = encodeRequirerData({
        unitName: UNIT,
        requests: [{ ...request, sans: request.sans === null ? null : [...request.sans] }],
        current,
        certificateName: CERT_NAME,
      });
      expect(changes.problems).toEqual([]);
      current = changes.data;
    }
    expect(current).toEqual(requirerDatabag);
  });

  it('publishes the same bytes when all calls come in one hook', () => {
    const changes = encodeRequirerData({
      unitName: UNIT,
      requests: calls.map((c) => ({ ...c, sans: c.sans === null ? null : [...c.sans] })),
      current: jujuKeys('10.0.0.5'),
      certificateName: CERT_NAME,
    });
    expect(changes.data).toEqual(requirerDatabag);
    expect(changes.deleted).toEqual([]);
    expect(Object.keys(changes.set).sort()).toEqual(
      [
        'unit_name',
        'common_name',
        'sans',
        'certificate_name',
        'cert_requests',
        'client_cert_requests',
      ].sort(),
    );
  });

  it('gives the provider the three requests, top-level first', () => {
    const decoded = decodeRequirerData(requirerDatabag, UNIT, { relationId: 'client:5' });
    expect(decoded).toEqual({
      unitName: 'kubernetes-control-plane_0',
      problems: [],
      requests: [
        {
          type: 'server',
          commonName: '10.0.0.5',
          sans: ['10.0.0.5', 'kubernetes', 'kubernetes.default'],
          topLevel: true,
          certificateName: CERT_NAME,
          sourceKey: 'common_name',
        },
        {
          type: 'server',
          commonName: 'kubernetes.default.svc',
          sans: ['10.152.183.1', 'kubernetes.default.svc.cluster.local'],
          topLevel: false,
          certificateName: 'kubernetes.default.svc',
          sourceKey: 'cert_requests',
        },
        {
          type: 'client',
          commonName: 'system:kube-apiserver',
          sans: null,
          topLevel: false,
          certificateName: 'system:kube-apiserver',
          sourceKey: 'client_cert_requests',
        },
      ],
    });
  });

  it('publishes the provider databag of the spec, byte for byte', () => {
    const { unitName, requests } = decodeRequirerData(requirerDatabag, UNIT);
    const issued: Record<string, [string, string]> = {
      '10.0.0.5': [S1, K1],
      'kubernetes.default.svc': [S2, K2],
      'system:kube-apiserver': [C1, K3],
    };
    const changes = encodeProviderData({
      current: jujuKeys('10.0.0.2'),
      ca: CA,
      globalClient: { cert: GC, key: GK },
      answers: requests.map((request) => {
        const [cert, key] = issued[request.commonName]!;
        return { unitName, request, cert, key };
      }),
    });
    expect(changes.data).toEqual(providerDatabag);
    expect(changes.problems).toEqual([]);
  });

  it('derives the CA, server, client and global client certificates of the spec', () => {
    const view = decodeProviderData({
      unitName: UNIT,
      units: [{ relationId: 'certificates:5', unit: 'easyrsa/0', data: providerDatabag }],
      published: requirerDatabag,
    });
    expect(view.ca).toBe(CA);
    expect(view.ca?.endsWith('\n')).toBe(false);
    expect(view.chain).toBeUndefined();
    expect(view.server.map((c) => [c.commonName, c.cert, c.key])).toEqual([
      ['10.0.0.5', S1, K1],
      ['kubernetes.default.svc', S2, K2],
    ]);
    expect(view.client.map((c) => [c.commonName, c.cert, c.key])).toEqual([
      ['system:kube-apiserver', C1, K3],
    ]);
    expect(view.globalClient).toEqual({ cert: GC, key: GK });
    expect(view.intermediate).toEqual([]);
    expect(view.application).toBeUndefined();
    expect(view.problems).toEqual([]);
  });

  it('changes nothing when the same calls run on the next hook', () => {
    const changes = encodeRequirerData({
      unitName: UNIT,
      requests: calls.map((c) => ({ ...c, sans: c.sans === null ? null : [...c.sans] })),
      current: requirerDatabag,
      certificateName: 'ignored-because-one-is-published',
    });
    expect(changes).toMatchObject({ changed: false, set: {}, deleted: [] });
    expect(changes.data).toEqual(requirerDatabag);
  });
});
