import { readFileSync, writeFileSync } from 'node:fs';
import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { redactText } from '../redact/index.ts';

/**
 * Scrubs Playwright traces before any other reporter copies them (it must be the FIRST reporter:
 * Playwright calls reporters' onTestEnd in order, and the HTML and Allure reporters copy the
 * trace). A trace records every request's headers and cookies, response bodies and DOM
 * snapshots: a page of the target that was opened only to look at it still carries Nextcloud's
 * session cookie and CSRF token (`data-requesttoken`), and the worker that saw them is gone, so
 * they are removed by structure, not by value. Values this process knows as secrets (passwords,
 * TURN secret) are redacted as everywhere else. Binary entries (screenshots) are left alone.
 */
export const REDACTED = '[redacted]';

/** Header and field names whose values are credentials in Nextcloud and Talk traffic. */
const SECRET_NAMES = [
  'cookie',
  'set-cookie',
  'authorization',
  'requesttoken',
  'x-requesttoken',
  'data-requesttoken',
  'oc_requesttoken',
  'sessionid',
  'password',
  'credential',
  'x-reference-control',
];
const names = SECRET_NAMES.join('|');
const RULES: [RegExp, string][] = [
  // HAR headers: {"name":"Cookie","value":"…"}
  [new RegExp(`("name"\\s*:\\s*"(?:${names})"\\s*,\\s*"value"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*"`, 'gi'), `$1${REDACTED}"`],
  // HAR cookie lists: "cookies":[{…}]
  [/("cookies"\s*:\s*)\[[^\]]*\]/g, '$1[]'],
  // JSON fields and snapshot attributes: "data-requesttoken":"…", "sessionId":"…"
  [new RegExp(`("(?:${names})"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*"`, 'gi'), `$1${REDACTED}"`],
  // HTML attributes in stored page bodies: data-requesttoken="…"
  [new RegExp(`((?:${names})\\s*=\\s*")[^"]*"`, 'gi'), `$1${REDACTED}"`],
  // Header lines in plain text: Cookie: …
  [new RegExp(`^((?:${names}):\\s*).*$`, 'gim'), `$1${REDACTED}`],
];

export function scrubText(text: string): string {
  let out = text;
  for (const [re, by] of RULES) out = out.replace(re, by);
  return redactText(out);
}

/** A text entry of a trace (trace events, network log, stored bodies); binary images stay as they are. */
function isText(data: Uint8Array): boolean {
  const head = data.subarray(0, 8);
  const png = head[0] === 0x89 && head[1] === 0x50;
  const jpeg = head[0] === 0xff && head[1] === 0xd8;
  return !png && !jpeg && !head.includes(0);
}

export function scrubTraceZip(file: string): void {
  const entries = unzipSync(new Uint8Array(readFileSync(file)));
  for (const [name, data] of Object.entries(entries)) {
    if (isText(data)) entries[name] = strToU8(scrubText(strFromU8(data)));
  }
  writeFileSync(file, zipSync(entries));
}

export default class ScrubTracesReporter implements Reporter {
  onTestEnd(_test: TestCase, result: TestResult): void {
    for (const a of result.attachments) {
      if (a.name !== 'trace' || !a.path) continue;
      try {
        scrubTraceZip(a.path);
      } catch (err) {
        // A trace that cannot be scrubbed must not be published: drop it, say why.
        writeFileSync(a.path, zipSync({ 'README.txt': strToU8(`trace removed: it could not be scrubbed of secrets (${String(err)})`) }));
      }
    }
  }

  printsToStdio(): boolean {
    return false;
  }
}
