import { expect, test } from '@playwright/test';
import {
  ATTR,
  CLASS,
  METHOD,
  attr,
  decodeMessage,
  decodeXorAddress,
  encodeMessage,
  encodeXorAddress,
  longTermKey,
  shortTermKey,
  verifyFingerprint,
  verifyIntegrity,
} from '../../../src/turn/codec.ts';

/** RFC 5769 test vectors, byte for byte as printed in the RFC. */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** RFC 5769 section 2.1: sample request (short-term credentials, SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MI, FINGERPRINT). */
const REQUEST_2_1 = hex(`
  00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
  00 24 00 04 6e 00 01 ff
  80 29 00 08 93 2f f9 b1 51 26 3b 36
  00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
  00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
  80 28 00 04 e5 7a 3b cf`);
const PASSWORD_2_1 = 'VOkJxbRl1RmTxUk/WvJxBt';

/** RFC 5769 section 2.2: sample IPv4 response (XOR-MAPPED-ADDRESS 192.0.2.1:32853). */
const RESPONSE_2_2 = hex(`
  01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 08 00 01 a1 47 e1 12 a6 43
  00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
  80 28 00 04 c0 7d 4c 96`);

/** RFC 5769 section 2.4: sample request with long-term authentication. */
const REQUEST_2_4 = hex(`
  00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
  00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
  00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
  00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
  00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66`);

test.describe('STUN/TURN codec against RFC 5769', () => {
  test('2.1 sample request: decodes, MESSAGE-INTEGRITY (short-term) and FINGERPRINT verify, our encoding of it verifies', () => {
    const m = decodeMessage(REQUEST_2_1);
    expect(m.method).toBe(METHOD.binding);
    expect(m.cls).toBe(CLASS.request);
    expect(attr(m, ATTR.USERNAME)!.toString()).toBe('evtj:h6vY');
    expect(attr(m, ATTR.SOFTWARE)!.toString()).toBe('STUN test client');
    expect(verifyIntegrity(REQUEST_2_1, shortTermKey(PASSWORD_2_1))).toBe(true);
    expect(verifyIntegrity(REQUEST_2_1, shortTermKey('wrong'))).toBe(false);
    expect(verifyFingerprint(REQUEST_2_1)).toBe(true);
    // The RFC pads USERNAME with spaces, which MESSAGE-INTEGRITY covers; our encoder pads with
    // zeros (RFC 8489 section 14 allows any value), so byte identity is shown by vector 2.4 and
    // here our own encoding of the same attributes must verify with the same key.
    const attrs = m.attributes.filter((a) => a.type !== ATTR.MESSAGE_INTEGRITY && a.type !== ATTR.FINGERPRINT);
    const re = encodeMessage({ method: m.method, cls: m.cls, transactionId: m.transactionId, attributes: attrs }, { integrityKey: shortTermKey(PASSWORD_2_1), fingerprint: true });
    expect(re.length).toBe(REQUEST_2_1.length);
    expect(verifyIntegrity(re, shortTermKey(PASSWORD_2_1))).toBe(true);
    expect(verifyFingerprint(re)).toBe(true);
    expect(re.subarray(0, 36).equals(REQUEST_2_1.subarray(0, 36))).toBe(true);
  });

  test('2.2 sample IPv4 response: XOR-MAPPED-ADDRESS is 192.0.2.1:32853, integrity and fingerprint verify', () => {
    const m = decodeMessage(RESPONSE_2_2);
    expect(m.cls).toBe(CLASS.success);
    expect(decodeXorAddress(attr(m, ATTR.XOR_MAPPED_ADDRESS)!, m.transactionId)).toEqual({ family: 'IPv4', address: '192.0.2.1', port: 32853 });
    expect(encodeXorAddress({ address: '192.0.2.1', port: 32853 })).toEqual(attr(m, ATTR.XOR_MAPPED_ADDRESS));
    expect(verifyIntegrity(RESPONSE_2_2, shortTermKey(PASSWORD_2_1))).toBe(true);
    expect(verifyFingerprint(RESPONSE_2_2)).toBe(true);
  });

  test('2.4 long-term credentials: key = MD5(username:realm:password) verifies MESSAGE-INTEGRITY, and our encoder reproduces it', () => {
    const m = decodeMessage(REQUEST_2_4);
    const username = attr(m, ATTR.USERNAME)!.toString('utf8');
    const realm = attr(m, ATTR.REALM)!.toString('utf8');
    expect(username).toBe('\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9');
    expect(realm).toBe('example.org');
    expect(attr(m, ATTR.NONCE)!.toString()).toBe('f//499k954d6OL34oL9FSTvy64sA');
    // The password "The<U+00AD>M<U+00AA>tr<U+2168>" after SASLprep (RFC 4013) is "TheMatrIX".
    const key = longTermKey(username, realm, 'TheMatrIX');
    expect(verifyIntegrity(REQUEST_2_4, key)).toBe(true);
    const re = encodeMessage(
      { method: m.method, cls: m.cls, transactionId: m.transactionId, attributes: m.attributes.filter((a) => a.type !== ATTR.MESSAGE_INTEGRITY) },
      { integrityKey: key },
    );
    expect(re.equals(REQUEST_2_4)).toBe(true);
  });
});
