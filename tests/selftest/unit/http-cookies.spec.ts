import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { HttpClient } from '../../../src/talk/http.ts';

/**
 * HttpClient caches the Cookie header per path (issue 14: the cookie-jar lookup per request was
 * the load generator's largest per-request cost). The cache must never change what is sent: a
 * cookie set by an answer or by setCookie is sent on the next request, a replaced one with its new
 * value, and an expired one no more.
 */
test('the cached Cookie header follows the jar: new, replaced and expired cookies', async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.cookie ?? '');
    const set = new URL(req.url ?? '/', 'http://x').searchParams.get('set');
    res.writeHead(200, set ? { 'set-cookie': set } : {});
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const http = new HttpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  try {
    await http.request('a', { query: { set: 'sid=1; Path=/' } });
    await http.request('a');
    await http.request('a');
    await http.request('a', { query: { set: 'sid=2; Path=/' } });
    await http.request('a');
    await http.setCookie('extra=x; Path=/', http.baseUrl);
    await http.request('a');
    await http.request('b', { query: { set: 'short=y; Path=/; Max-Age=1' } });
    await http.request('a');
    await new Promise((r) => setTimeout(r, 1_200));
    await http.request('a');
    expect(seen).toEqual(['', 'sid=1', 'sid=1', 'sid=1', 'sid=2', 'sid=2; extra=x', 'sid=2; extra=x', 'sid=2; extra=x; short=y', 'sid=2; extra=x']);
  } finally {
    await http.close();
    server.close();
  }
});
