import dgram from 'node:dgram';
import net from 'node:net';
import { CLASS, METHOD, encodeMessage, messageType, newTransactionId } from './codec.ts';

/**
 * What a path to a TURN server lets through, seen from Node on the machine running the browsers:
 * evidence for turn.relay.restricted (which transports a restrictive network blocks, and whether
 * a TURN server listens behind it). Not a verdict by itself.
 */

/** A veth or a LAN answers in milliseconds; a firewall that drops shows as this timeout. */
export const REACH_TIMEOUT_MS = 2_000;

export type TcpReach = 'connected' | 'refused' | 'timeout' | `error: ${string}`;

/** TCP connect to host:port: `refused` means the host answered with RST (no listener), `timeout` that nothing answered (dropped). */
export function tcpReach(host: string, port: number, timeoutMs = REACH_TIMEOUT_MS): Promise<TcpReach> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (r: TcpReach) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.once('connect', () => done('connected'));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : `error: ${e.code ?? e.message}`));
  });
}

/**
 * A 20-byte STUN Binding request with a random transaction id (RFC 8489 section 5), encoded by
 * the suite's STUN codec (tested with the RFC 5769 vectors).
 */
export function stunBindingRequest(): { packet: Buffer; transactionId: Buffer } {
  const transactionId = newTransactionId();
  return { packet: encodeMessage({ method: METHOD.binding, cls: CLASS.request, transactionId, attributes: [] }), transactionId };
}

/** One STUN Binding request over UDP (RFC 8489 section 6.2.1); true when a matching success response arrives in time. */
export function udpStunAnswers(host: string, port: number, timeoutMs = REACH_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const { packet, transactionId } = stunBindingRequest();
    const success = messageType(METHOD.binding, CLASS.success);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('error', () => done(false));
    socket.on('message', (msg) => {
      if (msg.length >= 20 && msg.readUInt16BE(0) === success && msg.subarray(8, 20).equals(transactionId)) done(true);
    });
    socket.send(packet, port, host);
  });
}

/** How a TURN URL's host name resolves from the machine running the browsers. */
export type HostResolution =
  { host: string; resolves: true; via: 'IP literal' | 'host map' | 'DNS'; addresses: string[] } | { host: string; resolves: false; via: 'DNS'; error: string };

/** Longer than a resolver's usual answer, shorter than the browser's 10 s gathering. */
export const RESOLVE_TIMEOUT_MS = 3_000;

/**
 * Resolves each host as the browser would: IP literals as they are, names of the run's host map
 * (TALK_HOSTS, or the reference platform's TURN name: the browsers are launched to resolve those,
 * src/browsers/trust.ts) from the map, everything else through the system resolver (getaddrinfo,
 * which is what Chromium and Firefox use on Linux by default). A name that does not resolve here is
 * one the browser cannot reach: Chromium reports it as icecandidateerror 701 like any other
 * unreachable TURN server, so the check says which it was.
 */
export async function resolveHosts(hosts: readonly string[], map: Readonly<Record<string, string>> = {}, timeoutMs = RESOLVE_TIMEOUT_MS): Promise<HostResolution[]> {
  const { lookup } = await import('node:dns/promises');
  return Promise.all(
    [...new Set(hosts)].map(async (host): Promise<HostResolution> => {
      const bare = host.replace(/^\[(.*)\]$/, '$1');
      if (net.isIP(bare)) return { host, resolves: true, via: 'IP literal', addresses: [bare] };
      const mapped = map[host];
      if (mapped) return { host, resolves: true, via: 'host map', addresses: [mapped] };
      let timer: NodeJS.Timeout | undefined;
      try {
        const found = await Promise.race([
          lookup(host, { all: true }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEOUT' })), timeoutMs);
          }),
        ]);
        return { host, resolves: true, via: 'DNS', addresses: found.map((a) => a.address) };
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        return { host, resolves: false, via: 'DNS', error: e.code ?? e.message };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}
