/**
 * The reference Talk double alone, on loopback, for `npm run bench:load` (no nginx, no TLS, no
 * network namespace: the benchmark measures the load generator, not the platform). It runs in its
 * own process so the generator's CPU and memory are the generator's alone.
 *
 * Every response carries `X-Bench-Responded-At` (epoch ms, microsecond resolution, taken when
 * the headers are written): the generator subtracts it from the moment it has parsed a poll's
 * messages to get its own overhead. Both processes read the same system clock.
 *
 * Prints one JSON line `{url, user, password, pid}` on stdout when it listens; exits on SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { ServerResponse } from 'node:http';
import type { DoubleConfig } from '../../src/reference/double/context.ts';
import { startDouble } from '../../src/reference/double/server.ts';
import { Store } from '../../src/reference/double/store.ts';
import { PROFILES } from '../../src/reference/profiles.ts';
import { STAMP_HEADER } from './stamp.ts';

const writeHead = ServerResponse.prototype.writeHead;
ServerResponse.prototype.writeHead = function stamped(this: ServerResponse, ...args: unknown[]) {
  if (!this.headersSent) this.setHeader(STAMP_HEADER, (performance.timeOrigin + performance.now()).toFixed(3));
  return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
} as typeof ServerResponse.prototype.writeHead;

const profile = structuredClone(PROFILES.good);
profile.web = { ...profile.web, tls: false, redirectHttp: false, hsts: null };
const config: DoubleConfig = {
  profile,
  // Set to the listener's own address once it listens (the double reads its config per request).
  baseUrl: 'http://127.0.0.1/',
  origin: 'http://127.0.0.1',
  secure: false,
  instanceId: 'ocbench0000',
  turnHost: '127.0.0.1',
  talkTurnSecret: randomBytes(16).toString('hex'),
  controlToken: randomBytes(16).toString('base64url'),
  proxyAddresses: [],
};
const store = new Store();
const password = randomBytes(18).toString('base64url');
store.addUser({ id: 'bench', password, displayName: 'Bench', isAdmin: false });
const double = await startDouble({ host: '127.0.0.1', config, store, log: (l) => process.stderr.write(`${l}\n`) });
const url = double.url.replace(/\/?$/, '/');
config.baseUrl = url;
config.origin = url.replace(/\/$/, '');
process.stdout.write(`${JSON.stringify({ url, user: 'bench', password, pid: process.pid })}\n`);

const stop = () => void double.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
