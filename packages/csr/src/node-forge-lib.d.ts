// node-forge's sub-modules, loaded one by one so the CSR code pays for the ASN.1 codec only, not
// for all of forge (TLS, ciphers, PKCS#12…). Each is CommonJS whose module.exports is forge's
// namespace of that name.
declare module 'node-forge/lib/asn1.js' {
  const asn1: typeof import('node-forge').asn1;
  export default asn1;
}
