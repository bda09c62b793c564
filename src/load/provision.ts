import { randomBytes } from 'node:crypto';
import type { Ledger } from '../ledger/index.ts';
import type { Dispatcher } from 'undici';
import type { Credentials } from '../config/index.ts';
import { registerSecret } from '../redact/index.ts';
import { HttpClient, createDispatcher } from '../talk/http.ts';
import { OcsClient } from '../talk/ocs.ts';

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

  constructor(
    readonly target: LoadTargetInfo,
    readonly worker: number,
    /** Records every user and conversation the moment it exists, so a killed run can be swept. */
    private readonly ledger?: Ledger,
  ) {
    this.dispatcher = createDispatcher(target.caFile);
  }

  client(creds: Credentials): OcsClient {
    const c = new OcsClient(new HttpClient(this.target.url, { caFile: this.target.caFile, dispatcher: this.dispatcher }), creds);
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
    const res = await owner.post<{ token: string }>(`${SPREED}/v4/room`, { roomType: ROOM_TYPE_GROUP, roomName: name }, { expect: [200, 201] });
    this.ledger?.created('conversation', res.data.token, this.target.url, owner.user ?? 'anonymous', name);
    this.rooms.push({ token: res.data.token, owner });
    return res.data.token;
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
        await adminClient.post('cloud/users', { userid: id, password });
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

  /** Deletes every conversation and user created, closes the connections; returns what could not be deleted. */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    for (const r of this.rooms.splice(0)) {
      await r.owner
        .delete(`${SPREED}/v4/room/${r.token}`, { expect: [200, 404] })
        .then(() => this.ledger?.deleted('conversation', r.token, this.target.url, r.owner.user ?? 'anonymous'))
        .catch((e: unknown) => problems.push(`conversation ${r.token}: ${String(e)}`));
    }
    if (this.users.length && this.target.admin) {
      const admin = this.client(this.target.admin);
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
