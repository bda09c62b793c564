/**
 * Per-response CPU of the load engine's HTTP path, without the reference platform: N clients
 * hold long-poll-like GETs against a tiny broadcast server in a child process that answers all
 * of them every TICK_MS with one chat message (a 200 with an OCS body, as Talk's chat poll).
 * Modes, each in its own process so its CPU is its own:
 *   bare  — undici.request, body read, X-Chat-Last-Given followed (the floor);
 *   ocs   — the engine's poll call: OcsClient.get on HttpClient (cookie jar, timeouts, OCS JSON);
 *   ocs-from=<dir> — the same with src/talk from another checkout (before/after comparisons).
 *   node --import tsx scripts/bench/client-micro.ts [--clients 1000] [--rounds 30] [--from <dir>]
 * Prints µs of CPU per response per mode and the ratio to bare. Numbers, not a test.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const TICK_MS = 200;

const SERVER = `
const http = require('node:http');
const pending = [];
let id = 0;
const server = http.createServer((req, res) => { req.resume(); pending.push(res); });
setInterval(() => {
  id++;
  const body = JSON.stringify({ ocs: { meta: { status: 'ok', statuscode: 200, message: 'OK' }, data: [{ id, message: '[micro] s=0 n=' + id + ' t=' + Date.now() + '.000', messageType: 'comment', actorId: 'alice', actorType: 'users', timestamp: Math.floor(Date.now() / 1000) }] } });
  for (const res of pending.splice(0)) { res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-chat-last-given': String(id) }); res.end(body); }
}, ${TICK_MS});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
`;

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : def;
}

async function child(mode: string, url: string, clients: number, rounds: number, from: string): Promise<void> {
  const dispatcher = new Agent({ keepAliveTimeout: 40_000 });
  // One controller per client (as the engine's participants): one shared signal with N
  // listeners makes every request's addEventListener O(N).
  const stops = Array.from({ length: clients }, () => new AbortController());
  const stop = {
    signal: {
      get aborted() {
        return stops[0]!.signal.aborted;
      },
    },
  };
  let responses = 0;
  const pathPart = 'ocs/v2.php/apps/spreed/api/v1/chat/microtok';
  let poll: (last: number) => Promise<number>;
  const makers: (() => (last: number) => Promise<number>)[] = [];
  if (mode === 'bare') {
    const headers = { 'ocs-apirequest': 'true', accept: 'application/json', authorization: 'Basic YWxpY2U6cHc=' };
    for (let i = 0; i < clients; i++)
      makers.push(() => async (last) => {
        const r = await request(`${url}${pathPart}?lookIntoFuture=1&timeout=30&lastKnownMessageId=${last}&limit=200&setReadMarker=0`, {
          headers,
          dispatcher,
          signal: stops[i]!.signal,
        });
        await r.body.text();
        return Number(r.headers['x-chat-last-given']) || last;
      });
  } else {
    const base = pathToFileURL(path.join(from, 'src/talk/')).href;
    const { HttpClient } = (await import(`${base}http.ts`)) as typeof import('../../src/talk/http.ts');
    const { OcsClient } = (await import(`${base}ocs.ts`)) as typeof import('../../src/talk/ocs.ts');
    for (let i = 0; i < clients; i++) {
      const ocs = new OcsClient(new HttpClient(url, { dispatcher }), { user: 'alice', password: 'pw' });
      makers.push(() => async (last) => {
        const r = await ocs.get<{ message: string }[]>('apps/spreed/api/v1/chat/microtok', {
          query: { lookIntoFuture: 1, timeout: 30, lastKnownMessageId: last, limit: 200, setReadMarker: 0 },
          expect: [200, 304],
          timeoutMs: 40_000,
          signal: stops[i]!.signal,
        });
        void r.data?.length;
        return Number(r.headers['x-chat-last-given']) || last;
      });
    }
  }
  const loops = makers.map(async (make) => {
    poll = make();
    const p = poll;
    let last = 0;
    while (!stop.signal.aborted) {
      try {
        last = await p(last);
        responses++;
      } catch {
        // stopped
      }
    }
  });
  // Warm up (connections, JIT), then measure `rounds` broadcasts.
  await new Promise((r) => setTimeout(r, 3 * TICK_MS + 1000));
  const r0 = responses;
  const c0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, rounds * TICK_MS));
  const c = process.cpuUsage(c0);
  const n = responses - r0;
  for (const c of stops) c.abort();
  await Promise.allSettled(loops);
  await dispatcher.close();
  console.log(JSON.stringify({ mode, responses: n, cpuMs: Math.round((c.user + c.system) / 1000), usPerResponse: Math.round(((c.user + c.system) / n) * 10) / 10 }));
}

async function main(): Promise<void> {
  const clients = Number(arg('--clients', '1000'));
  const rounds = Number(arg('--rounds', '30'));
  if (process.argv.includes('--child')) return child(arg('--mode', 'bare'), arg('--url', ''), clients, rounds, arg('--from', ROOT));
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { port } = JSON.parse(await new Promise<string>((r) => createInterface({ input: server.stdout! }).once('line', r))) as { port: number };
  const url = `http://127.0.0.1:${port}/`;
  const from = arg('--from', '');
  const modes: [string, string][] = [['bare', ROOT], ['ocs', ROOT], ...(from ? ([[`ocs (${from})`, from]] as [string, string][]) : [])];
  type Row = { mode: string; responses: number; cpuMs: number; usPerResponse: number };
  const runs = new Map<string, Row[]>();
  const repeat = Number(arg('--repeat', '3'));
  try {
    // Interleaved repeats, median per mode: the machine's other load shifts between runs.
    for (let k = 0; k < repeat; k++) {
      for (const [mode, dir] of modes) {
        const out = execFileSync(
          process.execPath,
          [
            ...process.execArgv,
            fileURLToPath(import.meta.url),
            '--child',
            '--mode',
            mode.startsWith('ocs') ? 'ocs' : 'bare',
            '--url',
            url,
            '--clients',
            String(clients),
            '--rounds',
            String(rounds),
            '--from',
            dir,
          ],
          { encoding: 'utf8' },
        );
        const row = JSON.parse(out.trim().split('\n').at(-1)!) as Row;
        runs.set(mode, [...(runs.get(mode) ?? []), { ...row, mode }]);
      }
    }
  } finally {
    server.kill('SIGTERM');
  }
  const rows = [...runs.values()].map((rs) => [...rs].sort((a, b) => a.usPerResponse - b.usPerResponse)[Math.floor(rs.length / 2)]!);
  const bare = rows[0]!.usPerResponse;
  console.log(`${clients} clients, a broadcast every ${TICK_MS} ms, ${rounds} rounds measured, median of ${repeat} interleaved runs (Node ${process.version}):`);
  for (const r of rows)
    console.log(
      `  ${r.mode.padEnd(40)} ${String(r.responses).padStart(7)} responses  ${String(r.cpuMs).padStart(6)} ms CPU  ${String(r.usPerResponse).padStart(6)} µs/response  ${(r.usPerResponse / bare).toFixed(2)}× bare  (runs: ${runs
        .get(r.mode)!
        .map((x) => x.usPerResponse)
        .join(', ')})`,
    );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
