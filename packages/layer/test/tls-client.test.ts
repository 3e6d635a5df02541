import { describe, expect, it } from 'vitest';
import { certChangedFlag, endpointFlags, LayerError, TLS_CLIENT_FLAGS, TlsClient } from '../src/index.js';

describe('TlsClient', () => {
  it('rejects caller mistakes with TypeError', () => {
    expect(() => new TlsClient({ endpoint: '' })).toThrow(TypeError);
    expect(() => new TlsClient({ caCertificatePath: 3 as unknown as string })).toThrow(TypeError);
    const tls = new TlsClient({ env: {} });
    expect(() => tls.requestServerCert('')).toThrow(/commonName/);
    expect(() => tls.requestServerCert('a', 'b' as unknown as string[])).toThrow(/sans/);
    expect(() => tls.requestClientCert('a', [1] as unknown as string[])).toThrow(/sans/);
    expect(() => tls.requestServerCert('a', [], { keyMode: 0o1777 })).toThrow(/keyMode/);
    expect(() => tls.requestServerCert('a', [], { certPath: '' })).toThrow(/certPath/);
    expect(() => tls.when('x', 'nope' as unknown as () => void)).toThrow(/handler/);
    expect(() => tls.flags).toThrow(/run\(\) has started/);
    expect(() => tls.resetCertificateWriteFlag('bogus' as 'ca')).toThrow(TypeError);
  });

  it('defaults to the certificates endpoint and accepts another', () => {
    expect(new TlsClient({ env: {} }).endpoint).toBe('certificates');
    expect(new TlsClient({ env: {}, endpoint: 'tls' }).endpoint).toBe('tls');
  });

  it('fails run() outside a hook with the hook context error, before touching anything', async () => {
    await expect(new TlsClient({ env: {} }).run()).rejects.toMatchObject({ code: 'ERR_HOOKENV_MISSING_ENV' });
  });
});

describe('flag names', () => {
  it('match the original layer and interface', () => {
    expect(TLS_CLIENT_FLAGS.caInstalled).toBe('tls_client.ca_installed');
    expect(certChangedFlag('client', 'system:kube-apiserver')).toBe(
      'tls_client.client.cert.system:kube-apiserver.changed',
    );
    expect(endpointFlags('certificates').clientCertAvailable).toBe('certificates.client.cert.available');
  });
});

describe('LayerError', () => {
  it('carries a code and a path', () => {
    const e = new LayerError('ERR_LAYER_WRITE_FAILED', 'cannot write', { path: '/x' });
    expect(e).toMatchObject({ name: 'LayerError', code: 'ERR_LAYER_WRITE_FAILED', path: '/x' });
  });
});
