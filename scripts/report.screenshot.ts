/**
 * Screenshot of the certification summary for the README: the Allure report's overview as built
 * by `npm run report`, served from a local static server (the report loads its data with fetch,
 * which file:// URLs do not allow), in the Chromium the suite detects.
 *
 *   npx tsx scripts/report.screenshot.ts [allure-report dir] [png]
 *   default: reports/allure-report → .github/readme/certification-summary.png
 */
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { detectBrowser } from '../src/browsers/detect.ts';

const root = path.resolve(process.argv[2] ?? 'reports/allure-report');
const out = path.resolve(process.argv[3] ?? '.github/readme/certification-summary.png');
/** The report renders client-side; its summary is on screen once the test tree has loaded. */
const RENDER_TIMEOUT_MS = 30_000;

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

if (!existsSync(path.join(root, 'index.html'))) {
  process.stderr.write(`No Allure report in ${root}: run \`npm run report\` first.\n`);
  process.exit(2);
}
const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  let file = path.join(root, rel);
  if (!file.startsWith(root)) return void res.writeHead(403).end();
  if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
  if (!existsSync(file)) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const { port } = server.address() as AddressInfo;
const detected = detectBrowser('chromium');
const browser = await chromium.launch({ ...(detected.launch?.executablePath ? { executablePath: detected.launch.executablePath } : {}) });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page
    .getByText(/Platform misconfiguration|Suite error|Client unsupported|passed|failed/i)
    .first()
    .waitFor({ timeout: RENDER_TIMEOUT_MS });
  mkdirSync(path.dirname(out), { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: out, fullPage: true });
  process.stdout.write(`${out}\n`);
} finally {
  await browser.close();
  server.close();
}
