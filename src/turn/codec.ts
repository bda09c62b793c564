import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * A minimal STUN/TURN message codec: what a TURN client needs to Allocate with long-term
 * credentials, create permissions and exchange Send/Data indications. References are to
 * RFC 8489 (STUN, which obsoletes RFC 5389 with the same wire format) and RFC 8656 (TURN,
 * obsoleting RFC 5766 with the same methods and attributes). Test vectors: RFC 5769.
 * No npm package fitted: `stun` (2.x) and `@msimerson/stun` encode STUN but have no TURN
 * client (allocation, permissions, indications) and no long-term credential flow.
 */

/** RFC 8489 section 5: the fixed magic cookie in every message. */
export const MAGIC_COOKIE = 0x2112a442;
const HEADER_BYTES = 20;
/** RFC 8489 section 14.7: FINGERPRINT is the CRC-32 of the message XORed with this. */
const FINGERPRINT_XOR = 0x5354554e;

/** Methods (RFC 8489 section 18.2, RFC 8656 section 18). */
export const METHOD = { binding: 0x001, allocate: 0x003, refresh: 0x004, send: 0x006, data: 0x007, createPermission: 0x008, channelBind: 0x009 } as const;
/** Classes (RFC 8489 section 5). */
export const CLASS = { request: 0b00, indication: 0b01, success: 0b10, error: 0b11 } as const;
export type StunClass = (typeof CLASS)[keyof typeof CLASS];

/** Attribute types (RFC 8489 section 18.3, RFC 8656 section 18, RFC 5245 for the ICE ones used in RFC 5769). */
export const ATTR = {
  MAPPED_ADDRESS: 0x0001,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  CHANNEL_NUMBER: 0x000c,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
  XOR_MAPPED_ADDRESS: 0x0020,
  PRIORITY: 0x0024,
  SOFTWARE: 0x8022,
  FINGERPRINT: 0x8028,
  ICE_CONTROLLED: 0x8029,
} as const;

/** REQUESTED-TRANSPORT value for UDP (RFC 8656 section 18.11: the IANA protocol number). */
export const TRANSPORT_UDP = 17;

export interface Attribute {
  type: number;
  value: Buffer;
}

export interface StunMessage {
  method: number;
  cls: StunClass;
  transactionId: Buffer;
  attributes: Attribute[];
  /** The encoded bytes this message was decoded from (needed to verify MESSAGE-INTEGRITY). */
  raw?: Buffer;
}

export interface TransportAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
}

/** RFC 8489 section 5: the 14-bit message type interleaves method and class bits. */
export function messageType(method: number, cls: StunClass): number {
  return ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | ((cls & 0b10) << 7) | ((cls & 0b01) << 4);
}

export function splitMessageType(type: number): { method: number; cls: StunClass } {
  const method = ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f);
  const cls = (((type & 0x0100) >> 7) | ((type & 0x0010) >> 4)) as StunClass;
  return { method, cls };
}

export function newTransactionId(): Buffer {
  return randomBytes(12);
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

function encodeAttribute(a: Attribute): Buffer {
  const out = Buffer.alloc(4 + a.value.length + pad4(a.value.length));
  out.writeUInt16BE(a.type, 0);
  out.writeUInt16BE(a.value.length, 2);
  a.value.copy(out, 4);
  return out;
}

function header(type: number, length: number, transactionId: Buffer): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(length, 2);
  h.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(h, 8);
  return h;
}

/**
 * Encodes a message. With `integrityKey`, MESSAGE-INTEGRITY is appended (RFC 8489 section
 * 14.5: HMAC-SHA1 over the message up to the attribute, with the length field already counting
 * it); with `fingerprint`, FINGERPRINT last (section 14.7: CRC-32 with the length counting it).
 */
export function encodeMessage(m: Omit<StunMessage, 'raw'>, opts: { integrityKey?: Buffer; fingerprint?: boolean } = {}): Buffer {
  const type = messageType(m.method, m.cls);
  let body = Buffer.concat(m.attributes.map(encodeAttribute));
  if (opts.integrityKey) {
    const lengthWithMi = body.length + 24;
    const hmac = createHmac('sha1', opts.integrityKey)
      .update(Buffer.concat([header(type, lengthWithMi, m.transactionId), body]))
      .digest();
    body = Buffer.concat([body, encodeAttribute({ type: ATTR.MESSAGE_INTEGRITY, value: hmac })]);
  }
  if (opts.fingerprint) {
    const lengthWithFp = body.length + 8;
    const crc = (crc32(Buffer.concat([header(type, lengthWithFp, m.transactionId), body])) ^ FINGERPRINT_XOR) >>> 0;
    const v = Buffer.alloc(4);
    v.writeUInt32BE(crc, 0);
    body = Buffer.concat([body, encodeAttribute({ type: ATTR.FINGERPRINT, value: v })]);
  }
  return Buffer.concat([header(type, body.length, m.transactionId), body]);
}

/** True when the first bytes look like a STUN message (RFC 8489 section 5: top two bits zero, magic cookie). */
export function isStunMessage(buf: Buffer): boolean {
  return buf.length >= HEADER_BYTES && (buf[0]! & 0xc0) === 0 && buf.readUInt32BE(4) === MAGIC_COOKIE && buf.readUInt16BE(2) % 4 === 0;
}

export class StunDecodeError extends Error {
  readonly code = 'STUN_DECODE';
}

export function decodeMessage(buf: Buffer): StunMessage {
  if (!isStunMessage(buf)) throw new StunDecodeError(`not a STUN message (${buf.length} bytes, first byte 0x${buf[0]?.toString(16) ?? '??'})`);
  const length = buf.readUInt16BE(2);
  if (HEADER_BYTES + length > buf.length) throw new StunDecodeError(`STUN length ${length} exceeds the ${buf.length - HEADER_BYTES} bytes received`);
  const { method, cls } = splitMessageType(buf.readUInt16BE(0));
  const attributes: Attribute[] = [];
  let off = HEADER_BYTES;
  const end = HEADER_BYTES + length;
  while (off + 4 <= end) {
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    if (off + 4 + len > end) throw new StunDecodeError(`attribute 0x${type.toString(16)} overruns the message`);
    attributes.push({ type, value: Buffer.from(buf.subarray(off + 4, off + 4 + len)) });
    off += 4 + len + pad4(len);
  }
  return { method, cls, transactionId: Buffer.from(buf.subarray(8, 20)), attributes, raw: Buffer.from(buf.subarray(0, end)) };
}

export function attr(m: StunMessage, type: number): Buffer | undefined {
  return m.attributes.find((a) => a.type === type)?.value;
}

/** RFC 8489 section 9.2.2: the long-term credential key is MD5(username ":" realm ":" password) (SASLprep is the caller's concern; Talk's values are ASCII). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest();
}

/** RFC 8489 section 9.1.1: the short-term credential key is the password itself. */
export function shortTermKey(password: string): Buffer {
  return Buffer.from(password, 'utf8');
}

/** Offset of an attribute's header in `raw`, or -1. */
function attributeOffset(raw: Buffer, type: number): number {
  let off = HEADER_BYTES;
  const end = HEADER_BYTES + raw.readUInt16BE(2);
  while (off + 4 <= end) {
    if (raw.readUInt16BE(off) === type) return off;
    const len = raw.readUInt16BE(off + 2);
    off += 4 + len + pad4(len);
  }
  return -1;
}

/** RFC 8489 section 14.5: recomputes MESSAGE-INTEGRITY of a received message with `key`. */
export function verifyIntegrity(raw: Buffer, key: Buffer): boolean {
  const off = attributeOffset(raw, ATTR.MESSAGE_INTEGRITY);
  if (off < 0) return false;
  const covered = Buffer.from(raw.subarray(0, off));
  covered.writeUInt16BE(off + 24 - HEADER_BYTES, 2);
  const expected = createHmac('sha1', key).update(covered).digest();
  return expected.equals(raw.subarray(off + 4, off + 24));
}

/** RFC 8489 section 14.7. */
export function verifyFingerprint(raw: Buffer): boolean {
  const off = attributeOffset(raw, ATTR.FINGERPRINT);
  if (off < 0) return false;
  const covered = Buffer.from(raw.subarray(0, off));
  covered.writeUInt16BE(off + 8 - HEADER_BYTES, 2);
  return (crc32(covered) ^ FINGERPRINT_XOR) >>> 0 === raw.readUInt32BE(off + 4);
}

/** RFC 8489 section 14.2: XOR-MAPPED-ADDRESS (same encoding for XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS). */
export function decodeXorAddress(value: Buffer, transactionId: Buffer): TransportAddress {
  const family = value[1] === 0x01 ? 'IPv4' : 'IPv6';
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  if (family === 'IPv4') {
    const a = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
    return { family, address: [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.'), port };
  }
  const mask = Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), transactionId]);
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) bytes[i] = value[4 + i]! ^ mask[i]!;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return { family, address: groups.join(':'), port };
}

export function encodeXorAddress(a: { address: string; port: number }): Buffer {
  const parts = a.address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`only IPv4 peers are supported, got "${a.address}"`);
  const v = Buffer.alloc(8);
  v[1] = 0x01;
  v.writeUInt16BE(a.port ^ (MAGIC_COOKIE >>> 16), 2);
  const ip = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  v.writeUInt32BE((ip ^ MAGIC_COOKIE) >>> 0, 4);
  return v;
}

/** RFC 8489 section 14.8: ERROR-CODE = class * 100 + number, then a UTF-8 reason. */
export function decodeErrorCode(value: Buffer): { code: number; reason: string } {
  return { code: (value[2]! & 0x07) * 100 + value[3]!, reason: value.subarray(4).toString('utf8') };
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 as in ISO 3309 / ITU-T V.42 (RFC 8489 section 14.7 refers to it). */
export function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
