/**
 * Where the load generator's time goes: reads a V8 `.cpuprofile` (`node --cpu-prof`) and prints
 * self time by bucket — undici, GC, the cookie jar (tough-cookie), AbortSignal and timers,
 * hdr-histogram, JSON parsing, redaction, the engine and the OCS/HTTP client, idle — plus the
 * top self-time functions. Used by issue 14's profile of `npm run bench:load` at 1,000 participants:
 *   node --cpu-prof --cpu-prof-dir=reports/bench/prof --expose-gc --import tsx scripts/bench-load.ts --steps 1000 --no-artillery --no-baseline
 *   node --import tsx scripts/bench/profile-summary.ts reports/bench/prof/<file>.cpuprofile
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const BUCKETS: [string, (fn: string, url: string) => boolean][] = [
  ['idle', (fn) => fn === '(idle)' || fn === '(program)'],
  ['GC', (fn) => fn === '(garbage collector)'],
  ['tough-cookie (cookie jar)', (_, u) => /tough-cookie|tldts|psl|url-parse/.test(u)],
  ['hdr-histogram', (_, u) => /hdr-histogram/.test(u)],
  ['redaction', (_, u) => /src\/redact\//.test(u)],
  ['JSON parsing', (fn) => fn === 'parse' || fn === 'JSONParse'],
  ['AbortSignal', (_, u) => /abort_controller|internal\/event_target/.test(u)],
  ['timers', (_, u) => /internal\/timers|^node:timers|undici\/lib\/util\/timers/.test(u)],
  ['undici', (_, u) => /undici/.test(u)],
  ['engine (src/load)', (_, u) => /src\/load\//.test(u)],
  ['HTTP/OCS client (src/talk)', (_, u) => /src\/talk\//.test(u)],
  ['node streams/net/http', (_, u) => /node:(internal\/)?(streams?|net|http|stream)|internal\/streams|internal\/(net|http)/.test(u)],
  ['tsx/loader', (_, u) => /tsx|esbuild/.test(u)],
];

const file = process.argv[2];
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile>');
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
for (let i = 0; i < prof.samples.length; i++) selfUs.set(prof.samples[i]!, (selfUs.get(prof.samples[i]!) ?? 0) + (prof.timeDeltas[i] ?? 0));
const buckets = new Map<string, number>();
const fns = new Map<string, number>();
let total = 0;
let busy = 0;
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  const { functionName: fn, url } = n.callFrame;
  const bucket = BUCKETS.find(([, m]) => m(fn, url))?.[0] ?? 'other (V8 builtins, node internals)';
  buckets.set(bucket, (buckets.get(bucket) ?? 0) + us);
  total += us;
  if (bucket !== 'idle') {
    busy += us;
    const key = `${fn || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|scripts)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
}
console.log(`profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (CPU)`);
for (const [b, us] of [...buckets].sort((a, b) => b[1] - a[1])) {
  if (b === 'idle') continue;
  console.log(`  ${b.padEnd(38)} ${(us / 1e3).toFixed(0).padStart(7)} ms  ${((us / busy) * 100).toFixed(1).padStart(5)} % of busy`);
}
console.log('top self time:');
for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${f}`);
