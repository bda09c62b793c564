import { THROTTLE_REMEDY } from '../../talk/errors.ts';
import type { CheckDefinition } from '../types.ts';

const REQ_WORKERS =
  'Talk uses long polling for chat and internal signaling: every participant holds a request open for up to 30 s, so the web server and PHP must ' +
  'run enough workers; mod_php with a threaded MPM (event/worker) or a PHP-FPM pool with too few children starves (Talk system requirements; nextcloud/spreed#2211).';
const REQ_PROXY =
  "Talk's chat and signaling long polls are held by the server for up to 30 s (ChatController::receiveMessages, SignalingController::pullMessages); proxies must not time them out.";

const REFUSED =
  ' When the diagnosis says the front refused requests (HTTP 503/429 within milliseconds, "refused, not slow"), PHP is not the cause: raise the per-client ' +
  'connection or rate limit in the web server or proxy (nginx `limit_conn`/`limit_req`, HAProxy, load balancer, WAF) above what one address needs, or exempt ' +
  "the certifying machine's address — the whole load comes from it.";

const SIZING =
  'Size PHP-FPM for the long polls: at least twice as many workers as concurrent Talk participants (nextcloud/spreed#2211), e.g. `pm = dynamic`, ' +
  '`pm.max_children = 2 × participants` (mind the RAM per worker, ~30-60 MB), `pm.start_servers`/`pm.max_spare_servers` to match. With Apache use ' +
  'the event MPM with PHP-FPM (proxy_fcgi), or mod_php only with the prefork MPM and MaxRequestWorkers sized the same way — never mod_php with event/worker. ' +
  'For more than a few dozen participants use the High-performance backend (signaling server), which takes the long polls off PHP.';

/** The load area: long polling and chat delivery under load (src/load). */
export const LOAD_CHECKS = [
  {
    id: 'load.longpoll.no-starvation',
    area: 'load',
    title: 'held chat long polls do not starve ordinary requests',
    requirement: REQ_WORKERS,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion:
      'with K chat long polls held (TALK_LOAD_POLLS_HELD), status.php and a chat send answer within TALK_LOAD_ORDINARY_REQUEST_MS and the message reaches every poller within TALK_LOAD_POLL_DELIVERY_MS',
    remedy: SIZING + REFUSED,
  },
  {
    id: 'load.longpoll.not-cut',
    area: 'load',
    title: 'chat long polls are held 30 s and not cut by a proxy',
    requirement: REQ_PROXY,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'a chat poll with timeout=30 in a quiet conversation is held about 30 s and ends with 304 Not Modified (no 502/504, no reset)',
    remedy:
      'Raise the read timeout of every proxy between clients and PHP above 30 s (60 s leaves margin): nginx `proxy_read_timeout 60s;` (or ' +
      '`fastcgi_read_timeout 60s;` in front of PHP-FPM), Apache `ProxyTimeout 60` / `Timeout 60`, HAProxy `timeout server 60s`, load balancers ' +
      '(AWS ALB idle timeout, Cloudflare) likewise; PHP-FPM `request_terminate_timeout` must be 0 or above 30 s.',
  },
  {
    id: 'load.chat.under-load',
    area: 'load',
    title: 'chat messages are delivered to every participant promptly under load',
    requirement: REQ_WORKERS,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion:
      'N participants long-polling, S senders at R msg/s for D s (TALK_LOAD_*): p95 send→receive latency within TALK_LOAD_P95_DELIVERY_MS, no message lost or duplicated, error rate within TALK_LOAD_MAX_ERROR_PERCENT',
    remedy:
      `${SIZING} Lost or duplicated messages point at the database or a cache (Redis for memcache.distributed and memcache.locking) rather than PHP.${REFUSED} ` +
      `429 answers from Nextcloud itself (brute-force protection) make the check not run instead. ${THROTTLE_REMEDY}`,
  },
] as const satisfies readonly CheckDefinition[];
