import { HttpClient, type HttpResponse } from './http.ts';
import { TalkError } from './errors.ts';

export interface PlainHttpObservation {
  url: string;
  outcome: 'redirect-https' | 'refused' | 'no-answer' | 'served-plain' | 'redirect-plain' | 'error';
  status: number | null;
  location: string | null;
  detail: string;
}

/**
 * What a browser gets when someone types the host name without https://: plain HTTP on port 80
 * (the same path as the Nextcloud URL). Acceptable: a redirect to https:// on the same host,
 * or nothing listening. Not acceptable: Nextcloud served over plain HTTP.
 */
export async function probePlainHttp(targetUrl: string): Promise<PlainHttpObservation> {
  const u = new URL(targetUrl);
  const plain = new URL(u.toString());
  plain.protocol = 'http:';
  // Port 80 unless the target itself is plain http on another port.
  plain.port = u.protocol === 'http:' ? u.port : '';
  const http = new HttpClient(plain.toString(), { cookies: false });
  const url = plain.toString();
  try {
    const res: HttpResponse = await http.request('status.php');
    const location = res.headers['location'] ?? null;
    if ([301, 302, 303, 307, 308].includes(res.status) && location) {
      const to = new URL(location, res.url);
      if (to.protocol === 'https:' && to.hostname === u.hostname) {
        return { url: res.url, outcome: 'redirect-https', status: res.status, location, detail: `${res.status} → ${location}` };
      }
      return { url: res.url, outcome: 'redirect-plain', status: res.status, location, detail: `${res.status} → ${location} (not https:// on ${u.hostname})` };
    }
    return { url: res.url, outcome: 'served-plain', status: res.status, location, detail: `plain HTTP answered ${res.status} ${res.headers['content-type'] ?? ''} without redirecting` };
  } catch (err) {
    if (err instanceof TalkError && err.code === 'NETWORK' && /refused/.test(err.message)) {
      return { url, outcome: 'refused', status: null, location: null, detail: 'connection refused on port 80' };
    }
    if (err instanceof TalkError && err.code === 'TIMEOUT') {
      return { url, outcome: 'no-answer', status: null, location: null, detail: 'port 80 does not answer (filtered by a firewall)' };
    }
    return { url, outcome: 'error', status: null, location: null, detail: (err as Error).message };
  } finally {
    await http.close();
  }
}
