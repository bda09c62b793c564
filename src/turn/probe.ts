import { randomBytes } from 'node:crypto';
import type { TransportAddress } from './codec.ts';
import { TurnError, TurnUdpClient, type TurnServerAddress } from './client.ts';

/** A relayed datagram crosses the server twice on a LAN in milliseconds; allow for a distant server. */
export const RELAY_ROUND_TRIP_TIMEOUT_MS = 5_000;

export interface AllocationProbeStep {
  step: string;
  ok: boolean;
  ms: number;
  detail: string;
}

export interface AllocationProbeResult {
  server: string;
  ok: boolean;
  /** Where it stopped: the first failing step, or null. */
  failedStep: string | null;
  /** The STUN error code of the failing step (401 = credentials rejected, 403 = forbidden peer …). */
  stunCode: number | null;
  errorCode: TurnError['code'] | null;
  challenge: { realm: string; nonce: boolean } | null;
  relayedA: TransportAddress | null;
  relayedB: TransportAddress | null;
  mapped: TransportAddress | null;
  lifetimeS: number | null;
  roundTripMs: number | null;
  steps: AllocationProbeStep[];
}

/**
 * Proves that a TURN server relays, not just allocates, with no host outside it: two
 * allocations A and B on the same server act as each other's peer. A permits B's relayed
 * address and B permits A's, A sends a Send indication to B's relayed address, B must receive
 * it as a Data indication from A's relayed address and echoes it back, which A must receive.
 * Works against any TURN server that allows relaying to its own relay addresses (coturn does
 * unless its denied-peer-ip rules cover them, which would also break calls between two
 * relayed participants).
 */
export async function probeAllocation(server: TurnServerAddress, creds: { username: string; credential: string }): Promise<AllocationProbeResult> {
  const result: AllocationProbeResult = {
    server: `${server.host}:${server.port}/udp`,
    ok: false,
    failedStep: null,
    stunCode: null,
    errorCode: null,
    challenge: null,
    relayedA: null,
    relayedB: null,
    mapped: null,
    lifetimeS: null,
    roundTripMs: null,
    steps: [],
  };
  const a = new TurnUdpClient(server, creds.username, creds.credential);
  const b = new TurnUdpClient(server, creds.username, creds.credential);
  const step = async <T>(name: string, fn: () => Promise<T>, describe: (v: T) => string): Promise<T> => {
    const t0 = Date.now();
    try {
      const v = await fn();
      result.steps.push({ step: name, ok: true, ms: Date.now() - t0, detail: describe(v) });
      return v;
    } catch (err) {
      result.steps.push({ step: name, ok: false, ms: Date.now() - t0, detail: (err as Error).message });
      result.failedStep = name;
      if (err instanceof TurnError) {
        result.stunCode = err.stunCode;
        result.errorCode = err.code;
      }
      throw err;
    }
  };
  const fmt = (x: TransportAddress) => `${x.address}:${x.port}`;
  try {
    await Promise.all([a.bind(), b.bind()]);
    const allocA = await step(
      'Allocate A',
      () => a.allocate(),
      (v) => `relayed ${fmt(v.relayed)}, lifetime ${v.lifetimeS} s`,
    );
    result.challenge = a.challenge;
    result.relayedA = allocA.relayed;
    result.mapped = allocA.mapped;
    result.lifetimeS = allocA.lifetimeS;
    const allocB = await step(
      'Allocate B',
      () => b.allocate(),
      (v) => `relayed ${fmt(v.relayed)}`,
    );
    result.relayedB = allocB.relayed;
    await step(
      'CreatePermission A→B',
      () => a.createPermission(allocB.relayed),
      () => `A may exchange with ${allocB.relayed.address}`,
    );
    await step(
      'CreatePermission B→A',
      () => b.createPermission(allocA.relayed),
      () => `B may exchange with ${allocA.relayed.address}`,
    );
    const payload = randomBytes(32);
    const t0 = Date.now();
    await step(
      'relay A→B→A',
      () =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new TurnError('TIMEOUT', `the datagram sent through allocation A did not come back within ${RELAY_ROUND_TRIP_TIMEOUT_MS} ms`)),
            RELAY_ROUND_TRIP_TIMEOUT_MS,
          );
          b.onData((from, data) => {
            if (data.equals(payload) && from.address === allocA.relayed.address && from.port === allocA.relayed.port) b.send(from, data);
          });
          a.onData((from, data) => {
            if (data.equals(payload) && from.address === allocB.relayed.address && from.port === allocB.relayed.port) {
              clearTimeout(timer);
              resolve();
            }
          });
          a.send(allocB.relayed, payload);
        }),
      () => `${payload.length} bytes from ${fmt(allocA.relayed)} to ${fmt(allocB.relayed)} and back in ${Date.now() - t0} ms`,
    );
    result.roundTripMs = Date.now() - t0;
    result.ok = true;
  } catch {
    // recorded by step()
  } finally {
    await Promise.all([a.release(), b.release()]);
    a.close();
    b.close();
  }
  return result;
}
