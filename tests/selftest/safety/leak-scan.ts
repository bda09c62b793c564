import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The secret scan of the self-tests: with TALK_CERTIFY_SECRET_MARKER set, every secret of a run
 * (the reference users' and throwaway users' passwords, PHP session ids and passphrases, Talk
 * session ids, the TURN secret, the control token) starts with the marker, so one search over
 * every file the run wrote, and its console output, finds any leak. Used by
 * tests/selftest/safety/secrets.spec.ts (a certification with failures) and by the call fault
 * table (tests/selftest/faults/call.ts: a failing call run).
 */

/**
 * The marker as it appears inside base64 (an `Authorization: Basic` header in a trace, a data:
 * URL): for each of the three byte alignments, the base64 groups made of marker bytes only, in
 * standard and URL-safe alphabets. Without these the scan would miss a Basic header in a trace.
 */
function markerInBase64(marker: string): string[] {
  return [0, 1, 2].flatMap((k) => {
    const encoded = Buffer.concat([Buffer.alloc(k), Buffer.from(marker)]).toString('base64');
    let fragment = '';
    for (let g = 0; 3 * g + 3 <= k + marker.length; g++) if (3 * g >= k) fragment += encoded.slice(4 * g, 4 * g + 4);
    return [fragment, fragment.replace(/\+/g, '-').replace(/\//g, '_')];
  });
}

/** A TURN credential in JSON (signaling settings, an RTCPeerConnection configuration) that was not redacted; also JSON inside JSON (escaped quotes). */
const TURN_CREDENTIAL = /\\?"credential\\?"\s*:\s*\\?"(?!<redacted>)[A-Za-z0-9+/\\=]{16,}/;

/** What kind of secret a text holds, or null: the marker, the marker in base64, or an unredacted TURN credential. */
export function leakFinder(marker: string): (text: string) => string | null {
  const base64 = markerInBase64(marker);
  return (text) => {
    if (text.includes(marker)) return 'marker';
    const b64 = base64.find((f) => text.includes(f));
    if (b64) return `marker in base64 (${b64})`;
    const turn = TURN_CREDENTIAL.exec(text);
    if (turn) return `TURN credential (${turn[0].slice(0, 40)}…)`;
    return null;
  };
}

export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const isZip = (b: Buffer) => b.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));

function unzipAll(zip: Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tc-scan-'));
  try {
    const file = path.join(dir, 'a.zip');
    writeFileSync(file, zip);
    return execFileSync('unzip', ['-p', file], { maxBuffer: 512 * 1024 * 1024 }).toString('latin1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A file's text as a leak would show in it: zip archives (Playwright traces, trace attachments
 * of the HTML report and of Allure) unpacked, and the HTML report's embedded data (a base64 zip
 * inside index.html) decoded and unpacked too, else the scan would see only base64. Screenshots
 * are scanned as bytes: a secret can only appear in them as rendered pixels, which checks avoid
 * by never typing a secret into a page.
 */
export function contentOf(file: string): string {
  const raw = readFileSync(file);
  if (isZip(raw)) return unzipAll(raw);
  let text = raw.toString('latin1');
  for (const m of text.matchAll(/data:application\/zip;base64,([A-Za-z0-9+/=]+)/g)) text += `\n${unzipAll(Buffer.from(m[1]!, 'base64'))}`;
  return text;
}

/** Every file under `dir` holding a secret, as "<relative path>: <what>". */
export function leaksUnder(dir: string, leakIn: (text: string) => string | null): string[] {
  return filesUnder(dir).flatMap((f) => {
    const where = leakIn(contentOf(f));
    return where ? [`${path.relative(dir, f)}: ${where}`] : [];
  });
}
