/** The OIDs of the subject attributes the v4 protocol sets, and the ASN.1 string type Python's `cryptography` gives each. */
export const NAME_ATTRIBUTES = {
  commonName: { oid: '2.5.4.3', type: 'utf8' },
  uniqueId: { oid: '2.5.4.45', type: 'utf8' },
  organization: { oid: '2.5.4.10', type: 'utf8' },
  organizationalUnit: { oid: '2.5.4.11', type: 'utf8' },
  emailAddress: { oid: '1.2.840.113549.1.9.1', type: 'ia5' },
  countryName: { oid: '2.5.4.6', type: 'printable' },
  stateOrProvinceName: { oid: '2.5.4.8', type: 'utf8' },
  localityName: { oid: '2.5.4.7', type: 'utf8' },
} as const;

export const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
export const SUBJECT_ALT_NAME = '2.5.29.17';
