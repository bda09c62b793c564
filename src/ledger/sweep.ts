import type { Config, Credentials } from '../config/index.ts';
import { HttpClient } from '../talk/http.ts';
import { OcsClient } from '../talk/ocs.ts';
import { closeLedger, ledgerDir, pendingObjects, recordSwept, type PendingObject } from './index.ts';

export interface SweepResult {
  deleted: PendingObject[];
  /** Already gone on the server (deleted by hand, or the run died after deleting but before recording it). */
  gone: PendingObject[];
  /** Could not be deleted now (other target, no credentials for the owner, server error): left in the ledger. */
  left: { object: PendingObject; reason: string }[];
}

/**
 * Deletes what dead runs left on the configured target, by ledger entry only. Objects of other
 * targets stay in their ledgers until a run against that target sweeps them.
 */
export async function sweepLedgers(config: Config, currentRunId: string | undefined, log: (line: string) => void): Promise<SweepResult> {
  const dir = ledgerDir(config.reportDir);
  const result: SweepResult = { deleted: [], gone: [], left: [] };
  const pending = pendingObjects(dir, currentRunId);
  if (pending.length === 0 || !config.url) {
    for (const o of pending) result.left.push({ object: o, reason: 'no target URL configured' });
    return result;
  }
  const creds = new Map<string, Credentials>();
  for (const c of [config.user, config.user2, config.admin]) if (c) creds.set(c.user, c);
  const clients = new Map<string, OcsClient>();
  const clientFor = (c: Credentials) => {
    let client = clients.get(c.user);
    if (!client) clients.set(c.user, (client = new OcsClient(new HttpClient(config.url!, { caFile: config.caFile }), c)));
    return client;
  };
  try {
    for (const o of pending) {
      if (o.target !== config.url) {
        result.left.push({ object: o, reason: `belongs to ${o.target}, not the configured ${config.url}` });
        continue;
      }
      const who = o.kind === 'user' ? config.admin : (creds.get(o.owner) ?? config.admin);
      if (!who) {
        result.left.push({ object: o, reason: `no credentials for its owner "${o.owner}" (nor admin credentials)` });
        continue;
      }
      try {
        const client = clientFor(who);
        // An intent never confirmed: the conversation may or may not exist; it is found by the
        // exact name the ledger recorded (unique to that run), never by a pattern.
        const tokens =
          o.kind === 'conversation' && o.byName
            ? (await client.get<{ token: string; name: string }[]>('apps/spreed/api/v4/room')).data.filter((r) => r.name === o.id).map((r) => r.token)
            : [o.id];
        let deleted = 0;
        for (const id of tokens) {
          const path = o.kind === 'conversation' ? `apps/spreed/api/v4/room/${encodeURIComponent(id)}` : `cloud/users/${encodeURIComponent(id)}`;
          const res = await client.delete(path, { expect: [200, 404] });
          if (res.status === 200) deleted++;
        }
        recordSwept(o);
        (deleted > 0 ? result.deleted : result.gone).push(o);
        log(`swept ${o.kind} ${o.byName ? `named "${o.id}"` : o.id} of run ${o.runId}: ${deleted > 0 ? 'deleted' : 'already gone'}`);
      } catch (err) {
        result.left.push({ object: o, reason: (err as Error).message });
      }
    }
  } finally {
    await Promise.all([...clients.values()].map((c) => c.http.close()));
  }
  // Ledgers with nothing left open are closed (renamed to .swept, kept for the record).
  const stillOpen = new Set(pendingObjects(dir, currentRunId).map((o) => o.file));
  for (const o of [...result.deleted, ...result.gone]) if (!stillOpen.has(o.file)) closeLedger(o.file);
  return result;
}
