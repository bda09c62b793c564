import dgram from 'node:dgram';
import {
  ATTR,
  CLASS,
  METHOD,
  type StunMessage,
  type TransportAddress,
  TRANSPORT_UDP,
  attr,
  decodeErrorCode,
  decodeMessage,
  decodeXorAddress,
  encodeMessage,
  encodeXorAddress,
  isStunMessage,
  longTermKey,
  newTransactionId,
  u32,
  verifyIntegrity,
} from './codec.ts';

/** RFC 8489 section 6.2.1: initial retransmission timeout over UDP; doubled on each retransmission. */
const RTO_MS = 500;
/** RFC 8489 section 6.2.1 (Rc = 7) would wait 39.5 s; a TURN server on the same network answers within a second, so give up earlier. */
export const TRANSACTION_TIMEOUT_MS = 5_000;
/** RFC 8656 section 7.2: a client needs at most one retry after a 401 challenge or a 438 stale nonce. */
const MAX_AUTH_ROUNDS = 3;

export class TurnError extends Error {
  constructor(
    readonly code: 'TIMEOUT' | 'REJECTED' | 'PROTOCOL' | 'SOCKET',
    message: string,
    /** STUN error code when the server answered with an error response. */
    readonly stunCode: number | null = null,
  ) {
    super(message);
  }
}

export interface TurnServerAddress {
  host: string;
  port: number;
}

/**
 * A TURN client over UDP (RFC 8656): Allocate with the long-term credential mechanism
 * (RFC 8489 section 9.2: first request without credentials, 401 with REALM and NONCE, then
 * USERNAME, REALM, NONCE and MESSAGE-INTEGRITY keyed with MD5(username:realm:password)),
 * CreatePermission, Send indications out and Data indications in, Refresh with lifetime 0 to
 * release. Talk's credentials are coturn's `use-auth-secret` scheme: the password is
 * Base64(HMAC-SHA1(secret, username)) and is used as a long-term password.
 */
export class TurnUdpClient {
  private readonly socket = dgram.createSocket('udp4');
  private readonly pending = new Map<string, (m: StunMessage) => void>();
  private realm = '';
  private nonce: Buffer = Buffer.alloc(0);
  private key: Buffer | null = null;
  private readonly dataListeners: ((from: TransportAddress, data: Buffer) => void)[] = [];
  private socketError: Error | null = null;
  /** The 401 challenge seen on the first Allocate (realm, whether a nonce came). */
  challenge: { realm: string; nonce: boolean } | null = null;

  constructor(
    readonly server: TurnServerAddress,
    private readonly username: string,
    private readonly password: string,
  ) {
    this.socket.on('error', (err) => (this.socketError = err));
    this.socket.on('message', (buf) => this.onMessage(buf));
  }

  async bind(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, resolve));
  }

  onData(listener: (from: TransportAddress, data: Buffer) => void): void {
    this.dataListeners.push(listener);
  }

  private onMessage(buf: Buffer): void {
    if (!isStunMessage(buf)) return;
    let m: StunMessage;
    try {
      m = decodeMessage(buf);
    } catch {
      return;
    }
    if (m.cls === CLASS.indication && m.method === METHOD.data) {
      const peer = attr(m, ATTR.XOR_PEER_ADDRESS);
      const data = attr(m, ATTR.DATA);
      if (peer && data) for (const l of this.dataListeners) l(decodeXorAddress(peer, m.transactionId), data);
      return;
    }
    this.pending.get(m.transactionId.toString('hex'))?.(m);
  }

  /** One transaction with RFC 8489 retransmissions; resolves with the response, whatever its class. */
  private transact(method: number, attributes: { type: number; value: Buffer }[], authenticated: boolean): Promise<StunMessage> {
    const transactionId = newTransactionId();
    const all = [...attributes];
    if (authenticated && this.key) {
      all.push({ type: ATTR.USERNAME, value: Buffer.from(this.username) }, { type: ATTR.REALM, value: Buffer.from(this.realm) }, { type: ATTR.NONCE, value: this.nonce });
    }
    const packet = encodeMessage(
      { method, cls: CLASS.request, transactionId, attributes: all },
      { integrityKey: authenticated && this.key ? this.key : undefined, fingerprint: true },
    );
    const id = transactionId.toString('hex');
    return new Promise((resolve, reject) => {
      let rto = RTO_MS;
      let retransmit: NodeJS.Timeout;
      const send = () => {
        if (this.socketError) return finish(new TurnError('SOCKET', `UDP socket error: ${this.socketError.message}`));
        this.socket.send(packet, this.server.port, this.server.host);
        retransmit = setTimeout(send, rto);
        rto *= 2;
      };
      const deadline = setTimeout(
        () =>
          finish(
            new TurnError('TIMEOUT', `no answer from ${this.server.host}:${this.server.port}/udp within ${TRANSACTION_TIMEOUT_MS} ms (retransmitted per RFC 8489 section 6.2.1)`),
          ),
        TRANSACTION_TIMEOUT_MS,
      );
      const finish = (result: StunMessage | Error) => {
        clearTimeout(retransmit);
        clearTimeout(deadline);
        this.pending.delete(id);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      this.pending.set(id, (m) => finish(m));
      send();
    });
  }

  /** A request with the long-term credential dance: 401/438 update realm and nonce and resend. */
  private async authenticated(method: number, attributes: { type: number; value: Buffer }[], what: string): Promise<StunMessage> {
    for (let round = 0; round < MAX_AUTH_ROUNDS; round++) {
      const res = await this.transact(method, attributes, this.key !== null);
      if (res.cls === CLASS.success) {
        if (this.key && !verifyIntegrity(res.raw!, this.key)) throw new TurnError('PROTOCOL', `${what}: the success response's MESSAGE-INTEGRITY does not verify with our key`);
        return res;
      }
      const err = attr(res, ATTR.ERROR_CODE);
      const { code, reason } = err ? decodeErrorCode(err) : { code: 0, reason: 'no ERROR-CODE' };
      const realm = attr(res, ATTR.REALM);
      const nonce = attr(res, ATTR.NONCE);
      if ((code === 401 && this.key === null) || code === 438) {
        if (!realm || !nonce) throw new TurnError('PROTOCOL', `${what}: ${code} without REALM and NONCE`, code);
        this.realm = realm.toString('utf8');
        this.nonce = nonce;
        this.key = longTermKey(this.username, this.realm, this.password);
        this.challenge ??= { realm: this.realm, nonce: true };
        continue;
      }
      throw new TurnError('REJECTED', `${what}: error ${code} ${reason}`.trim(), code);
    }
    throw new TurnError('PROTOCOL', `${what}: still challenged after ${MAX_AUTH_ROUNDS} rounds`);
  }

  /** RFC 8656 section 7.1: Allocate a UDP relay. */
  async allocate(): Promise<{ relayed: TransportAddress; mapped: TransportAddress | null; lifetimeS: number | null }> {
    const res = await this.authenticated(METHOD.allocate, [{ type: ATTR.REQUESTED_TRANSPORT, value: Buffer.from([TRANSPORT_UDP, 0, 0, 0]) }], 'Allocate');
    const relayed = attr(res, ATTR.XOR_RELAYED_ADDRESS);
    if (!relayed) throw new TurnError('PROTOCOL', 'Allocate success without XOR-RELAYED-ADDRESS');
    const mapped = attr(res, ATTR.XOR_MAPPED_ADDRESS);
    const lifetime = attr(res, ATTR.LIFETIME);
    return {
      relayed: decodeXorAddress(relayed, res.transactionId),
      mapped: mapped ? decodeXorAddress(mapped, res.transactionId) : null,
      lifetimeS: lifetime ? lifetime.readUInt32BE(0) : null,
    };
  }

  /** RFC 8656 section 9: install a permission for the peer's IP (the port is ignored). */
  async createPermission(peer: { address: string; port: number }): Promise<void> {
    await this.authenticated(METHOD.createPermission, [{ type: ATTR.XOR_PEER_ADDRESS, value: encodeXorAddress(peer) }], `CreatePermission for ${peer.address}`);
  }

  /** RFC 8656 section 10: a Send indication (no response; delivery is proven by the peer). */
  send(peer: { address: string; port: number }, data: Buffer): void {
    const packet = encodeMessage(
      {
        method: METHOD.send,
        cls: CLASS.indication,
        transactionId: newTransactionId(),
        attributes: [
          { type: ATTR.XOR_PEER_ADDRESS, value: encodeXorAddress(peer) },
          { type: ATTR.DATA, value: data },
        ],
      },
      { fingerprint: true },
    );
    this.socket.send(packet, this.server.port, this.server.host);
  }

  /** RFC 8656 section 7.2: Refresh with LIFETIME 0 deletes the allocation; errors are ignored (the server expires it anyway). */
  async release(): Promise<void> {
    if (this.key) await this.authenticated(METHOD.refresh, [{ type: ATTR.LIFETIME, value: u32(0) }], 'Refresh').catch(() => {});
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
