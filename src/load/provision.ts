import { randomBytes } from 'node:crypto';
import type { Ledger } from '../ledger/index.ts';
import type { Dispatcher } from 'undici';
import type { Credentials } from '../config/index.ts';
import { registerSecret } from '../redact/index.ts';
import { HttpClient, createDispatcher } from '../talk/http.ts';
import { TalkError } from '../talk/errors.ts';
import { type OcsAuthMode, OcsClient, type OcsRequest, type OcsResult } from '../talk/ocs.ts';

const SPREED = 'apps/spreed/api';
/** Talk's group conversation (docs/constants.md). */
const ROOM_TYPE_GROUP = 2;

export interface LoadTargetInfo {
  url: string;
  caFile: string | undefined;
  runId: string;
  user: Credentials | undefined;
  user2: Credentials | undefined;
  admin: Credentials | undefined;
}

/** Nextcloud's brute-force state for this machine's address, as the core capabilities publish it. */
export interface BruteforceState {
  /** `capabilities.bruteforce.delay`: ms Nextcloud waits before answering this address (Throttler::getDelay, 0 = not throttled). */
  delayMs: number;
  /** `capabilities.bruteforce.allow-listed`: the address is on the Brute-force IP allowlist. */
  allowListed: boolean;
}

/**
 * How the load clients authenticate: a session per client, as Talk's web client has (one
 * password login per client, then the session cookie; see OcsAuthMode). Per-request Basic auth
 * would make a real PHP Nextcloud hash the password on every poll and send (~1 s of CPU each),
 * and the load figures would measure password hashing instead of Talk.
 */
export const LOAD_AUTH_MODE: OcsAuthMode = 'session-cookie';

/**
 * An OcsClient whose requests the LoadResources can stop: once cleanup starts no request is sent,
 * long polls in flight are aborted, and every request in flight is awaited before the
 * conversations and users are deleted (joins and sends to their answer, not aborted). Otherwise a join or a
 * poll still in flight (a run cut short by Ctrl-C or the test's timeout) reaches Talk after its
 * conversation is gone, and Talk counts each such request for an unknown token as a brute-force
 * attempt (spreed: `#[BruteForceProtection(action: 'talkRoomToken')]`), throttling the next run.
 */
class StoppableOcsClient extends OcsClient {
  constructor(
    http: HttpClient,
    credentials: Credentials,
    private readonly owner: LoadResources,
  ) {
    super(http, credentials, { auth: LOAD_AUTH_MODE });
  }

  override request<T = unknown>(path: string, req: OcsRequest = {}): Promise<OcsResult<T>> {
    // A request the caller can abort (a long poll, with its own signal) is aborted by cleanup too;
    // any other (a join, a send, a creation) is not sent once cleanup started but, if already
    // sent, awaited: aborting it would not take it back from the server, which could handle it
    // after the conversation is gone (tests/selftest/unit/load-cleanup.spec.ts).
    return this.owner.track((stop) =>
      super.request<T>(path, {
        ...req,
        ...(req.signal ? { signal: AbortSignal.any([req.signal, stop]) } : {}),
        notAfter: req.notAfter ? AbortSignal.any([req.notAfter, stop]) : stop,
      }),
    );
  }
}

export interface Participants {
  clients: OcsClient[];
  /** `provisioned`: one throwaway user each; `reused`: the configured users' logins, several sessions each. */
  mode: 'provisioned' | 'reused';
  logins: string[];
}

/**
 * Creates what a load check needs — throwaway users `tc-<runId>-w<worker>-<n>` (when admin
 * credentials exist) and conversations named with the run id — records every one, and deletes
 * them in `cleanup()`, which the fixture calls whatever happened. All clients share one undici
 * dispatcher (one connection pool), each has its own cookie jar (its own PHP session).
 */
export class LoadResources {
  readonly dispatcher: Dispatcher;
  private readonly users: string[] = [];
  private readonly rooms: { token: string; owner: OcsClient }[] = [];
  private readonly clients: OcsClient[] = [];
  /** Aborted when cleanup starts: stops every request of the check still in flight. */
  private readonly stopper = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  /**
   * Creations whose request failed (a timeout, a reset): the server may still have created the
   * object. Cleanup looks them up by the exact name the ledger's intent recorded and deletes them.
   */
  private readonly uncertain: { kind: 'conversation' | 'user'; name: string; owner: OcsClient }[] = [];

  constructor(
    readonly target: LoadTargetInfo,
    readonly worker: number,
    /** Records every user and conversation the moment it exists, so a killed run can be swept. */
    private readonly ledger?: Ledger,
    /** Timeout of a creation request (default: REQUEST_TIMEOUT_MS); self-tests shorten it. */
    private readonly options: { createTimeoutMs?: number } = {},
  ) {
    this.dispatcher = createDispatcher(target.caFile);
  }

  /** The load clients' authentication, for the evidence. */
  get authMode(): OcsAuthMode {
    return LOAD_AUTH_MODE;
  }

  /** Runs a creation; a failure leaves the name to reconcile in cleanup (the server may have created it anyway). */
  private async creating<T>(kind: 'conversation' | 'user', name: string, owner: OcsClient, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      this.uncertain.push({ kind, name, owner });
      throw err;
    }
  }

  /**
   * Runs a request of one of this object's clients: aborted when cleanup starts, and awaited by
   * cleanup before it deletes anything; once cleanup started, not sent at all (a check still
   * running after its timeout keeps trying, and must not reach the deleted conversation).
   */
  track<T>(run: (stop: AbortSignal) => Promise<T>): Promise<T> {
    if (this.stopper.signal.aborted) {
      return Promise.reject(new TalkError('NETWORK', 'request not sent: the load check is being cleaned up (its conversations and users are being deleted)'));
    }
    const p = run(this.stopper.signal);
    this.inFlight.add(p);
    const done = () => this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  client(creds: Credentials): OcsClient {
    const c = new StoppableOcsClient(new HttpClient(this.target.url, { caFile: this.target.caFile, dispatcher: this.dispatcher }), creds, this);
    this.clients.push(c);
    return c;
  }

  owner(): OcsClient {
    if (!this.target.user) throw new Error('load checks need TALK_USER/TALK_PASSWORD (the conversation owner)');
    return this.client(this.target.user);
  }

  /** A group conversation named with the run id; returns its token. */
  async createRoom(owner: OcsClient, purpose: string): Promise<string> {
    const name = `${this.target.runId}-w${this.worker} ${purpose}`;
    // Write-ahead (see src/ledger): the exact name before the request, the token after.
    this.ledger?.intent('conversation', name, this.target.url, owner.user ?? 'anonymous');
    const res = await this.creating('conversation', name, owner, () =>
      owner.post<{ token: string }>(`${SPREED}/v4/room`, { roomType: ROOM_TYPE_GROUP, roomName: name }, { expect: [200, 201], ...this.createTimeout() }),
    );
    this.ledger?.created('conversation', res.data.token, this.target.url, owner.user ?? 'anonymous', name);
    this.rooms.push({ token: res.data.token, owner });
    return res.data.token;
  }

  private createTimeout(): { timeoutMs?: number } {
    return this.options.createTimeoutMs ? { timeoutMs: this.options.createTimeoutMs } : {};
  }

  async lastMessageId(owner: OcsClient, token: string): Promise<number> {
    const res = await owner.get<{ lastMessage?: { id: number } }>(`${SPREED}/v4/room/${token}`);
    return res.data.lastMessage?.id ?? 0;
  }

  /** N participants of the conversation: provisioned users with admin credentials, else the configured users reused. */
  async participants(owner: OcsClient, token: string, n: number): Promise<Participants> {
    const admin = this.target.admin;
    if (admin) {
      const adminClient = this.client(admin);
      const clients: OcsClient[] = [];
      for (let i = 0; i < n; i++) {
        const id = `tc-${this.target.runId}-w${this.worker}-${i}`.slice(0, 64);
        const password = randomBytes(18).toString('base64url');
        registerSecret(password);
        this.ledger?.intent('user', id, this.target.url, admin.user);
        await this.creating('user', id, adminClient, () => adminClient.post('cloud/users', { userid: id, password }, this.createTimeout()));
        this.ledger?.created('user', id, this.target.url, admin.user, id);
        this.users.push(id);
        await owner.post(`${SPREED}/v4/room/${token}/participants`, { newParticipant: id, source: 'users' });
        clients.push(this.client({ user: id, password }));
      }
      return { clients, mode: 'provisioned', logins: clients.map((c) => c.user!) };
    }
    const logins = [this.target.user!, ...(this.target.user2 ? [this.target.user2] : [])];
    if (this.target.user2) await owner.post(`${SPREED}/v4/room/${token}/participants`, { newParticipant: this.target.user2.user, source: 'users' });
    const clients = Array.from({ length: n }, (_, i) => this.client(logins[i % logins.length]!));
    return { clients, mode: 'reused', logins: logins.map((l) => l.user) };
  }

  /**
   * `capabilities.bruteforce` for this machine's address, read anonymously (the capability is
   * public: docs/reference/nc32-samples/capabilities-anonymous.json); null when the capabilities cannot be read
   * or have no `bruteforce` entry (Nextcloud < 28). Nextcloud computes the delay from every
   * attempt recorded for the address's subnet in the last 12 h, whatever the action
   * (OC\Security\Bruteforce\Throttler::getDelay with action ''), so talkRoomToken attempts count.
   */
  async bruteforceState(): Promise<BruteforceState | null> {
    const http = new HttpClient(this.target.url, { caFile: this.target.caFile, cookies: false });
    try {
      const res = await new OcsClient(http).get<{ capabilities?: { bruteforce?: { delay?: unknown; 'allow-listed'?: unknown } } }>('cloud/capabilities');
      const b = res.data?.capabilities?.bruteforce;
      if (!b || typeof b.delay !== 'number') return null;
      return { delayMs: b.delay, allowListed: b['allow-listed'] === true };
    } catch {
      return null;
    } finally {
      await http.close();
    }
  }

  /**
   * Stops sending, aborts the long polls still in flight and waits for every request in flight
   * (joins and sends to their answer), then deletes every conversation and
   * user created and closes the connections; returns what could not be deleted.
   */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    this.stopper.abort();
    await Promise.allSettled([...this.inFlight]);
    // Cleanup's own clients: the check's clients send nothing any more. One session per login.
    const sessions = new Map<string, OcsClient>();
    const plain = (c: OcsClient | Credentials) => {
      const creds = c instanceof OcsClient ? c.credentials : c;
      const key = creds?.user ?? '';
      let client = sessions.get(key);
      if (!client)
        sessions.set(key, (client = new OcsClient(new HttpClient(this.target.url, { caFile: this.target.caFile, dispatcher: this.dispatcher }), creds, { auth: LOAD_AUTH_MODE })));
      return client;
    };
    // Creations that failed client-side may have succeeded server-side: find them by the exact
    // (run-unique) name of their ledger intent, never by a pattern.
    for (const u of this.uncertain.splice(0)) {
      try {
        if (u.kind === 'conversation') {
          const rooms = (await plain(u.owner).get<{ token: string; name: string }[]>(`${SPREED}/v4/room`)).data ?? [];
          for (const r of rooms.filter((x) => x.name === u.name)) {
            this.ledger?.created('conversation', r.token, this.target.url, u.owner.user ?? 'anonymous', u.name);
            this.rooms.push({ token: r.token, owner: u.owner });
          }
        } else if (this.target.admin) {
          const res = await plain(this.target.admin).get(`cloud/users/${encodeURIComponent(u.name)}`, { expect: [200, 404] });
          if (res.status === 200 && !this.users.includes(u.name)) {
            this.ledger?.created('user', u.name, this.target.url, this.target.admin.user, u.name);
            this.users.push(u.name);
          }
        }
      } catch (e) {
        problems.push(`${u.kind} "${u.name}" (creation failed, may exist): ${String(e)}`);
      }
    }
    for (const r of this.rooms.splice(0)) {
      await plain(r.owner)
        .delete(`${SPREED}/v4/room/${r.token}`, { expect: [200, 404] })
        .then(() => this.ledger?.deleted('conversation', r.token, this.target.url, r.owner.user ?? 'anonymous'))
        .catch((e: unknown) => problems.push(`conversation ${r.token}: ${String(e)}`));
    }
    if (this.users.length && this.target.admin) {
      const admin = plain(this.target.admin);
      for (const id of this.users.splice(0)) {
        await admin
          .delete(`cloud/users/${encodeURIComponent(id)}`)
          .then(() => this.ledger?.deleted('user', id, this.target.url, admin.user!))
          .catch((e: unknown) => problems.push(`user ${id}: ${String(e)}`));
      }
    }
    await this.dispatcher.close();
    return problems;
  }
}
