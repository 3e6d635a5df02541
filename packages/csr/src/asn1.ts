// The one place that loads node-forge's DER codec, and the small vocabulary built on it. Only
// the `@tls-client/csr/forge` entry and the modules the main entry loads lazily import this file.
import forgeAsn1 from 'node-forge/lib/asn1.js';

// Kept private, so that no declaration this package ships refers to node-forge's types.
const asn1 = forgeAsn1;

/** A node of node-forge's ASN.1 tree (`forge.asn1.Asn1`); byte values are binary strings. */
export interface Asn1Node {
  tagClass: number;
  type: number;
  constructed: boolean;
  value: string | Asn1Node[];
}

type ForgeAsn1 = import('node-forge').asn1.Asn1;

/** ASN.1 tag classes. */
export const Class: { readonly UNIVERSAL: number; readonly CONTEXT_SPECIFIC: number } = asn1.Class;
/** The universal tag numbers this package uses. */
export const Type: {
  readonly BOOLEAN: number;
  readonly INTEGER: number;
  readonly BITSTRING: number;
  readonly OCTETSTRING: number;
  readonly NULL: number;
  readonly OID: number;
  readonly UTF8: number;
  readonly SEQUENCE: number;
  readonly SET: number;
  readonly PRINTABLESTRING: number;
  readonly IA5STRING: number;
  readonly BMPSTRING: number;
} = asn1.Type;

const fromForge = (node: ForgeAsn1): Asn1Node => node as unknown as Asn1Node;
const toForge = (node: Asn1Node): ForgeAsn1 => node as unknown as ForgeAsn1;

export function binary(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('binary');
}

export function toDer(node: Asn1Node): Buffer {
  return Buffer.from(asn1.toDer(toForge(node)).getBytes(), 'binary');
}

/** Parses DER strictly: every byte used, BIT STRING contents left as bytes, depth limited. */
export function fromDer(der: Uint8Array): Asn1Node {
  return fromForge(
    asn1.fromDer(binary(der), {
      strict: true,
      parseAllBytes: true,
      decodeBitStrings: false,
      maxDepth: 32,
    } as unknown as boolean),
  );
}

export function sequence(children: Asn1Node[]): Asn1Node {
  return fromForge(asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, children.map(toForge)));
}

export function set(children: Asn1Node[]): Asn1Node {
  return fromForge(asn1.create(Class.UNIVERSAL, Type.SET, true, children.map(toForge)));
}

export function primitive(type: number, bytes: string): Asn1Node {
  return fromForge(asn1.create(Class.UNIVERSAL, type, false, bytes));
}

/** The content bytes of a dotted OID (a binary string). */
export function oidBytes(dotted: string): string {
  return asn1.oidToDer(dotted).getBytes();
}

/** The dotted OID of content bytes. */
export function oidFromBytes(bytes: string): string {
  return asn1.derToOid(bytes);
}

export function oid(dotted: string): Asn1Node {
  return primitive(Type.OID, oidBytes(dotted));
}

export function contextTag(tag: number, constructed: boolean, value: string | Asn1Node[]): Asn1Node {
  return fromForge(
    asn1.create(
      Class.CONTEXT_SPECIFIC,
      tag,
      constructed,
      typeof value === 'string' ? value : value.map(toForge),
    ),
  );
}

export function bitString(bytes: Uint8Array): Asn1Node {
  // The leading byte counts unused bits in the last octet: none here.
  return primitive(Type.BITSTRING, `\u0000${binary(bytes)}`);
}

export function children(node: Asn1Node | undefined, what: string): Asn1Node[] {
  if (node === undefined || !Array.isArray(node.value)) throw new Error(`${what} is not constructed`);
  return node.value;
}

export function bytesOf(node: Asn1Node | undefined, what: string): string {
  if (node === undefined || typeof node.value !== 'string') throw new Error(`${what} is not primitive`);
  return node.value;
}

export function oidOf(node: Asn1Node | undefined, what: string): string {
  if (node?.tagClass !== Class.UNIVERSAL || node.type !== Type.OID) throw new Error(`${what} is not an OID`);
  return oidFromBytes(bytesOf(node, what));
}
