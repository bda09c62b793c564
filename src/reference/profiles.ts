import { PROFILE_NAMES, type ProfileName } from './profile-names.ts';
import type { WebCertificate } from './tls.ts';
import type { HpbProfile } from './hpb.ts';

/**
 * What a reference platform is, as data. `good` is a Nextcloud + Talk set up the way the admin
 * manual and Talk's docs say; every other profile is `good` with one thing broken the way real
 * installations break it. New faults are added here by data: the orchestration (nginx, coturn,
 * the Talk double) reads only these fields.
 */
export interface Profile {
  name: ProfileName;
  /** One sentence: what is wrong with this platform, or that nothing is. */
  description: string;
  nextcloud: {
    /** status.php `version` (4 parts, as Nextcloud reports it). */
    version: string;
    /** status.php `versionstring` and capabilities `version.string`. */
    versionString: string;
  };
  /**
   * Talk (spreed) as installed and enabled; null = not installed (no routes, no files, no capabilities).
   * `groups`: enabled only for these groups (`occ app:enable spreed --groups …`): for anyone else
   * the app is not loaded — no `spreed` capabilities, Talk's routes answer OCS 998 (404).
   */
  talk: { version: string; groups?: string[] } | null;
  web: {
    /** nginx terminates TLS on 443. false: port 80 serves Nextcloud itself. */
    tls: boolean;
    /** Port 80 answers `301 https://$host$request_uri` (only with tls). */
    redirectHttp: boolean;
    /** Strict-Transport-Security value on HTTPS responses, null for none. */
    hsts: string | null;
    /** `system`: /etc/nginx/mime.types (has `application/wasm wasm`); `without-wasm`: a copy without that line. */
    mimeTypes: 'system' | 'without-wasm';
    /** nginx `proxy_read_timeout` towards PHP, in seconds: below Talk's 30 s long poll, nginx cuts polls with 504. */
    proxyReadTimeoutS: number;
    /**
     * nginx adds `; charset=utf-8` to .wasm responses (`charset utf-8; charset_types … application/wasm;`
     * in the static-file location): `application/wasm; charset=utf-8`, which browsers refuse to stream.
     */
    wasmCharset?: boolean;
    /**
     * nginx `limit_conn` per client address on the PHP location (`limit_conn_zone $binary_remote_addr`),
     * answering 503 at once past it: a front that refuses load from one address instead of queueing it.
     */
    perClientConnectionLimit?: number;
    /**
     * Nextcloud lives under this path (`/nextcloud`: https://host/nextcloud/, the admin manual's
     * "Nextcloud in a subdir of the nginx webroot", config.php `overwritewebroot`); absent: at `/`.
     */
    webroot?: string;
    /** The certificate nginx serves (src/reference/tls.ts): default `valid`; `wrong-host`/`expired` are signed by the run's CA but wrong. */
    certificate?: WebCertificate;
  };
  /** Which of Talk's background blur files exist on disk (see src/talk/blur-assets.ts). */
  blurAssets: { wasm: boolean; tflite: boolean };
  turn: {
    /**
     * The TURN servers configured in Talk (app config `spreed turn_servers`): each one becomes
     * `scheme:host:port?transport=protocol` for every scheme and protocol. Host is the instance's
     * TURN address, or with `host: 'name'` the TURN host name its certificate names (TURN_DNS_NAME;
     * a turns: URL needs a name the certificate matches: Firefox does not even try TLS to an IP).
     */
    servers: { schemes: ('turn' | 'turns')[]; port: number; protocols: ('udp' | 'tcp')[]; host?: 'address' | 'name' }[];
    /** `shared`: Talk signs credentials with coturn's static-auth-secret; `wrong`: with another secret (coturn rejects them). */
    secret: 'shared' | 'wrong';
    /** true: the URLs name an address in the instance's subnet that nobody holds (nothing answers). */
    unreachable?: boolean;
    /** `udp-only`: coturn runs with `no-tcp` and `no-tls` (no TCP or TLS listener). Default: all listeners. */
    listeners?: 'all' | 'udp-only';
    /** `talk-list-only`: coturn denies relaying to its own (private) addresses as peers; see coturn.ts. Default: `own-subnet-allowed`. */
    peers?: 'own-subnet-allowed' | 'talk-list-only';
    /** true: coturn runs and Talk hands out its real address, but nothing coturn sends reaches clients (a firewall in the way). */
    blockedForClients?: boolean;
  };
  /** STUN servers in Talk's settings (app config `spreed stun_servers`), as ports on the TURN host. */
  stun: { ports: number[] };
  /** What serverinfo reports (`ocs.data.server.database`). */
  database: {
    type: 'mysql' | 'pgsql' | 'sqlite3' | 'oci';
    version: string;
    /**
     * Whether the database stores 4-byte UTF-8 (emoji, characters outside the BMP). false = a
     * utf8mb3 MySQL/MariaDB schema without `mysql.utf8mb4`: inserting such a character fails
     * ("Incorrect string value", SQLSTATE HY000 1366) and Nextcloud answers HTTP 500.
     */
    utf8mb4: boolean;
  };
  php: {
    /**
     * PHP-FPM `pm.max_children`: requests beyond it queue in the double the way they queue in
     * front of a full pool (a waiting long poll holds a worker). null = not a bottleneck.
     */
    maxChildren: number | null;
    /**
     * Server time one Basic login with the account's login password costs (password_verify of a
     * bcrypt/argon2 hash: ~1 s of CPU on a real PHP Nextcloud), serialised through `hashWorkers`
     * slots (the CPU cores PHP-FPM workers hash on). Session (cookie) requests cost nothing extra.
     * Absent: free.
     */
    passwordHashMs?: number;
    /** Concurrent password hashes (CPU cores); default 2. */
    hashWorkers?: number;
    /**
     * A chat or signaling long poll keeps its PHP worker for its full timeout (30 s) even when the
     * client went away: PHP notices a closed connection only when it writes, and the poll sleeps.
     */
    holdAbandonedPolls?: boolean;
    /**
     * A new user's first login copies the skeleton files (Session::prepareUserLogin) for this many
     * ms; without Redis file locking, another login of the same user meanwhile fails with HTTP
     * 500 `"…" is locked` (OCP\Lock\LockedException, nextcloud/server#17986).
     */
    firstLoginLockMs?: number;
    /**
     * A Basic login without the `cookie_test` cookie creates no session token, so a later request
     * with only the session cookie is not logged in (lib/private/User/Session.php logClientIn →
     * supportsCookies; validateSession), as on a real Nextcloud. Absent: the double keeps such
     * sessions logged in (what older self-tests rely on).
     */
    sessionNeedsCookieTest?: boolean;
  };
  /**
   * The answer to a creation (POST cloud/users, POST v4/room) leaves only this many ms after the
   * object exists (a slow server): a client that gave up earlier did create it.
   */
  creationResponseDelayMs?: number;
  /** Chat delivery faults of the Talk double's long poll (ChatManager::waitForNewMessages). */
  chat: {
    /** A poll that found new messages answers only after this delay (a slow database or cache). */
    deliveryDelayMs: number;
    /** Every n-th comment of a conversation is never delivered to pollers; null = none lost. */
    dropEveryNthComment: number | null;
  };
  /**
   * Talk's signaling mode; only Talk's internal signaling (no high-performance backend) is modelled.
   * `dropMessages`: the signaling POST answers 200 but stores nothing, so no offer, answer or
   * candidate ever reaches the other participants (participant lists still flow).
   */
  signaling: {
    mode: 'internal' | 'external';
    dropMessages?: boolean;
    /** With `external`: the High-Performance Backend the platform runs (src/reference/hpb.ts, profile `hpb` and its faults). */
    hpb?: HpbProfile;
  };
  /**
   * Nextcloud's brute-force table at start: `attemptsBefore` talkRoomToken attempts already
   * recorded for the client's address in the last 30 minutes (what an aborted earlier run leaves),
   * so the address starts at the maximum delay past 10 of them. Absent: none.
   */
  bruteforce?: { attemptsBefore: number };
  /**
   * true: Talk's script of the conversation page (`apps/spreed/js/talk-call.js`, the double's
   * stand-in for Talk's main bundle) is not on disk, so the request falls through to Nextcloud
   * (404): the page loads, but Talk's UI (call button, dialog) never appears.
   */
  talkBundleMissing?: boolean;
}

const GOOD: Profile = {
  name: 'good',
  description: 'Everything right: Nextcloud 32.0.1 with Talk 22.0.2 over HTTPS (HTTP redirects, HSTS), blur files served as application/wasm, coturn on 443.',
  nextcloud: { version: '32.0.1.2', versionString: '32.0.1' },
  talk: { version: '22.0.2' },
  web: { tls: true, redirectHttp: true, hsts: 'max-age=15768000; includeSubDomains', mimeTypes: 'system', proxyReadTimeoutS: 120 },
  blurAssets: { wasm: true, tflite: true },
  // Talk's recommendation (docs/TURN.md): TURN on 443, `turn:` over UDP and TCP, and `turns:` by
  // the name in coturn's certificate (two entries in Talk's TURN settings: "turn: only" by
  // address, "turns: only" by name, the same secret).
  turn: {
    servers: [
      { schemes: ['turn'], port: 443, protocols: ['udp', 'tcp'] },
      { schemes: ['turns'], port: 443, protocols: ['tcp'], host: 'name' },
    ],
    secret: 'shared',
  },
  stun: { ports: [443] },
  // As serverinfo reports MariaDB 10.11 (docs/reference/nc32-samples/serverinfo-admin.json: type mysql, version without a -MariaDB suffix).
  database: { type: 'mysql', version: '10.11.19', utf8mb4: true },
  php: { maxChildren: null },
  chat: { deliveryDelayMs: 0, dropEveryNthComment: null },
  signaling: { mode: 'internal' },
};

/** A working High-Performance Backend: profile `hpb`; each hpb-* fault changes one of these. */
const HPB_OK: Readonly<HpbProfile> = {
  proxy: 'upgrade',
  proxyTimeoutS: null,
  running: true,
  secret: 'shared',
  allowed: 'this',
  mcu: 'janus',
  janusStoppedAfterStart: false,
  advertised: 'https',
  nextcloudClockSkewS: 0,
};

/** A fault profile: `good` with the given parts replaced. */
function fault(name: ProfileName, description: string, change: (p: Profile) => void): Profile {
  const p = structuredClone(GOOD);
  p.name = name;
  p.description = description;
  change(p);
  return p;
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  good: GOOD,
  'http-only': fault('http-only', 'No TLS listener at all: port 80 serves Nextcloud itself (no redirect, no HSTS), so browsers refuse WebRTC.', (p) => {
    p.web = { ...p.web, tls: false, redirectHttp: false, hsts: null };
  }),
  'wasm-wrong-mime': fault(
    'wasm-wrong-mime',
    'nginx includes a mime.types without `application/wasm wasm`, so .wasm goes out as application/octet-stream (streaming compile fails, Talk falls back).',
    (p) => {
      p.web.mimeTypes = 'without-wasm';
    },
  ),
  'wasm-missing': fault('wasm-missing', "The blur's .wasm files are not on disk: the request falls through to Nextcloud, which answers 401 JSON.", (p) => {
    p.blurAssets.wasm = false;
  }),
  'tflite-missing': fault('tflite-missing', "The blur's .tflite model is not on disk: the request falls through to Nextcloud, which answers 401 JSON.", (p) => {
    p.blurAssets.tflite = false;
  }),
  'talk-missing': fault('talk-missing', 'Talk is not installed: no `spreed` capabilities, Talk API routes answer OCS 998 (404), no /apps/spreed files.', (p) => {
    p.talk = null;
  }),
  'talk-disabled': fault(
    'talk-disabled',
    'Talk is installed but enabled only for the group admin (`occ app:enable spreed --groups admin`): the test user gets no `spreed` capabilities and Talk routes answer OCS 998 (404).',
    (p) => {
      p.talk = { ...p.talk!, groups: ['admin'] };
    },
  ),
  sqlite: fault('sqlite', 'Nextcloud runs on SQLite (serverinfo database type sqlite3), which Talk says must not be used.', (p) => {
    p.database = { type: 'sqlite3', version: '3.40.1', utf8mb4: true };
  }),
  'old-database': fault('old-database', 'MariaDB 10.3 (end of life), below the 10.6–11.8 range Nextcloud 32 supports.', (p) => {
    p.database = { ...p.database, version: '10.3.39' };
  }),
  'no-utf8mb4': fault(
    'no-utf8mb4',
    'MariaDB with a utf8mb3 schema and no `mysql.utf8mb4`: 4-byte UTF-8 (emoji) in a chat message or conversation name fails with a database error, HTTP 500.',
    (p) => {
      p.database = { ...p.database, utf8mb4: false };
    },
  ),
  'turn-missing': fault('turn-missing', 'No TURN server configured in Talk: the signaling settings hand out none, so participants behind strict firewalls cannot connect.', (p) => {
    p.turn.servers = [];
  }),
  'turn-unreachable': fault('turn-unreachable', "Talk's TURN settings name an address where nothing answers (a moved or firewalled TURN server).", (p) => {
    p.turn.unreachable = true;
  }),
  'turn-wrong-secret': fault('turn-wrong-secret', "Talk signs TURN credentials with a secret that is not coturn's static-auth-secret: coturn rejects them (401).", (p) => {
    p.turn.secret = 'wrong';
  }),
  'turn-not-443': fault('turn-not-443', 'TURN is configured only on the standard port 3478, which strict firewalls block.', (p) => {
    p.turn.servers = p.turn.servers.map((s) => ({ ...s, port: 3478 }));
  }),
  'turn-udp-only': fault('turn-udp-only', 'coturn runs with no-tcp and no-tls: Talk offers TCP and TLS URLs, but only UDP is answered.', (p) => {
    p.turn.listeners = 'udp-only';
  }),
  'worker-starvation': fault(
    'worker-starvation',
    'PHP-FPM pool of 4 workers (pm.max_children = 4): a few held chat long polls occupy every worker, so ordinary requests queue until a poll times out.',
    (p) => {
      p.php.maxChildren = 4;
    },
  ),
  'proxy-cuts-long-polls': fault('proxy-cuts-long-polls', "nginx's proxy_read_timeout is 10 s, below Talk's 30 s long poll: idle polls end in 504 Gateway Timeout.", (p) => {
    p.web.proxyReadTimeoutS = 10;
  }),
  'slow-delivery': fault('slow-delivery', 'Chat long polls that found new messages answer 3 s late (a slow database or cache): delivery latency is seconds.', (p) => {
    p.chat.deliveryDelayMs = 3_000;
  }),
  lossy: fault('lossy', 'Every 5th chat message of a conversation is never delivered to polling clients.', (p) => {
    p.chat.dropEveryNthComment = 5;
  }),
  'turn-relay-denied': fault(
    'turn-relay-denied',
    "coturn's denied-peer-ip list covers its own relay addresses (Talk's list on a private network, not re-opened): allocations and relay candidates succeed, but nothing is relayed between them (403 on CreatePermission).",
    (p) => {
      p.turn.peers = 'talk-list-only';
    },
  ),
  // The call's faults (issue 4): each breaks one step of the call flow in the browser.
  'blur-wasm-wrong-mime': fault(
    'blur-wasm-wrong-mime',
    "Like wasm-wrong-mime, seen from the call: .wasm goes out as application/octet-stream, so the blur worker's streaming compile fails and only the console fallback shows it (blur still works).",
    (p) => {
      p.web.mimeTypes = 'without-wasm';
    },
  ),
  'blur-assets-missing': fault(
    'blur-assets-missing',
    "Neither the blur's .wasm files nor its .tflite model are on disk (requests fall through to Nextcloud, 401 JSON): choosing Blur in a call fails.",
    (p) => {
      p.blurAssets = { wasm: false, tflite: false };
    },
  ),
  'signaling-broken': fault(
    'signaling-broken',
    "Talk's internal signaling accepts messages (200) but never delivers them: offers and answers are lost, so call participants never connect.",
    (p) => {
      p.signaling.dropMessages = true;
    },
  ),
  'turn-blocked': fault(
    'turn-blocked',
    'coturn runs and Talk hands out its address, but a firewall drops everything between clients and coturn: no relay candidates, so a call that needs TURN fails.',
    (p) => {
      p.turn.blockedForClients = true;
    },
  ),
  'wasm-mime-charset': fault(
    'wasm-mime-charset',
    "nginx's `charset utf-8` covers application/wasm (charset_types), so .wasm goes out as `application/wasm; charset=utf-8`: browsers refuse to stream-compile it (Talk falls back).",
    (p) => {
      p.web.wasmCharset = true;
    },
  ),
  'client-throttled': fault(
    'client-throttled',
    "Nextcloud's brute-force protection already holds 12 talkRoomToken attempts from the suite's address (an aborted earlier run): bruteforce.delay is 25 s and Talk answers 429.",
    (p) => {
      p.bruteforce = { attemptsBefore: 12 };
    },
  ),
  webroot: fault('webroot', 'Everything right, but Nextcloud is served under https://host/nextcloud/ (a webroot), as many installations are.', (p) => {
    p.web.webroot = '/nextcloud';
  }),
  'front-refuses': fault(
    'front-refuses',
    'nginx limits every client address to 4 concurrent PHP requests (limit_conn, 503 at once past it): load from one address is refused, not slowed.',
    (p) => {
      p.web.perClientConnectionLimit = 4;
    },
  ),
  // TLS faults (issue 12 point 6): a certificate problem is the verdict https.tls.valid, not unusable input.
  'tls-wrong-host': fault(
    'tls-wrong-host',
    "nginx serves a certificate of the run's CA that names only another host (other-host.talk-certify.test), not the address the platform is reached at.",
    (p) => {
      p.web.certificate = 'wrong-host';
    },
  ),
  'tls-expired': fault('tls-expired', "nginx serves a certificate of the run's CA for the right names whose validity ended yesterday.", (p) => {
    p.web.certificate = 'expired';
  }),
  'ui-bundle-missing': fault(
    'ui-bundle-missing',
    "Talk's JavaScript bundle of the conversation page is missing from the app folder (a broken update or a web server that does not serve apps/spreed/js/): it answers 404, so the page loads but has no call button.",
    (p) => {
      p.talkBundleMissing = true;
    },
  ),
  // Issue 17: a real PHP Nextcloud's costs that the load checks must not measure.
  'password-hashing': fault(
    'password-hashing',
    'Every Basic login with a login password costs 1 s of server time (password hashing, 2 cores), as on a real PHP Nextcloud; session requests are cheap. Clients that log in on every request measure hashing, not Talk.',
    (p) => {
      p.php.passwordHashMs = 1_000;
      p.php.hashWorkers = 2;
      p.php.sessionNeedsCookieTest = true;
    },
  ),
  'php-pool-30s': fault(
    'php-pool-30s',
    'PHP-FPM pool of 12 workers (pm.max_children = 12) in which a long poll keeps its worker for its full 30 s even after the client disconnected, and requests beyond 12 queue.',
    (p) => {
      p.php.maxChildren = 12;
      p.php.holdAbandonedPolls = true;
      p.php.sessionNeedsCookieTest = true;
    },
  ),
  // External signaling (issue 13): the real High-Performance Backend in the namespace; each HPB
  // fault is the working HPB with one thing changed.
  hpb: fault(
    'hpb',
    "Everything right, with Talk's external signaling: the High-Performance Backend (nextcloud-spreed-signaling 2.0.2 + NATS + Janus) behind nginx at /standalone-signaling/ with the WebSocket upgrade.",
    (p) => {
      p.signaling = { mode: 'external', hpb: { ...HPB_OK } };
    },
  ),
  'hpb-no-upgrade': fault(
    'hpb-no-upgrade',
    "The HPB's nginx location does not pass the Upgrade and Connection headers: the welcome URL answers, but the WebSocket is refused (400).",
    (p) => {
      p.signaling = { mode: 'external', hpb: { ...HPB_OK, proxy: 'no-upgrade' } };
    },
  ),
  'hpb-down': fault('hpb-down', 'Talk is configured for the HPB, but the signaling server is not running: nginx answers 502 Bad Gateway.', (p) => {
    p.signaling = { mode: 'external', hpb: { ...HPB_OK, running: false } };
  }),
  'hpb-wrong-secret': fault(
    'hpb-wrong-secret',
    "Talk's shared secret of the HPB differs from the HPB's [backend] secret: Talk refuses the HPB's backend requests, so no client can authenticate (hello fails).",
    (p) => {
      p.signaling = { mode: 'external', hpb: { ...HPB_OK, secret: 'wrong' } };
    },
  ),
  'hpb-no-mcu': fault('hpb-no-mcu', 'The HPB runs without an MCU (no Janus, `[mcu]` empty): signaling works, but calls are peer-to-peer mesh.', (p) => {
    p.signaling = { mode: 'external', hpb: { ...HPB_OK, mcu: 'none' } };
  }),
  'hpb-proxy-timeout': fault(
    'hpb-proxy-timeout',
    "The HPB's nginx location has `proxy_read_timeout 5s` (and send): every quiet signaling WebSocket is cut after 5 s, long before the HPB's ping every 54 s.",
    (p) => {
      p.signaling = { mode: 'external', hpb: { ...HPB_OK, proxyTimeoutS: 5 } };
    },
  ),
  'hpb-http-url': fault(
    'hpb-http-url',
    "Talk's HPB URL is `http://…/standalone-signaling/` while Nextcloud is served over https: Talk's client opens `ws://…`, which browsers block on an https page (mixed content).",
    (p) => {
      p.signaling = { mode: 'external', hpb: { ...HPB_OK, advertised: 'http' } };
    },
  ),
  'hpb-clock-skew': fault(
    'hpb-clock-skew',
    "Nextcloud's clock runs 180 s ahead of the HPB's (its hello v2 tokens are issued 180 s in the HPB's future); Talk allows ±45 s.",
    (p) => {
      p.signaling = { mode: 'external', hpb: { ...HPB_OK, nextcloudClockSkewS: 180 } };
    },
  ),
  'hpb-url-not-allowed': fault(
    'hpb-url-not-allowed',
    "The HPB's `[backend] backends` lists only another Nextcloud: the HPB refuses hellos whose backend URL is this Nextcloud's.",
    (p) => {
      p.signaling = { mode: 'external', hpb: { ...HPB_OK, allowed: 'other' } };
    },
  ),
  // Outdated HPBs (issue 13): the releases Debian 12 ships, too old for current Talk (spreed
  // lib/Signaling/Manager.php isCompatibleSignalingServer: "update required").
  'hpb-outdated': fault(
    'hpb-outdated',
    'The HPB is Debian 12 (bookworm)\'s nextcloud-spreed-signaling 0.4.1: it lacks features Talk requires (hello-v2, federation, incall-all, switchto), so Talk says "update required".',
    (p) => {
      p.signaling = { mode: 'external', hpb: { ...HPB_OK, release: '0.4.1' } };
    },
  ),
  'hpb-outdated-backports': fault(
    'hpb-outdated-backports',
    'The HPB is bookworm-backports\' nextcloud-spreed-signaling 1.2.4: it lacks the federation feature current Talk requires, so Talk says "update required".',
    (p) => {
      p.signaling = { mode: 'external', hpb: { ...HPB_OK, release: '1.2.4' } };
    },
  ),
  'hpb-janus-down': fault(
    'hpb-janus-down',
    'Janus stops after the signaling server connected to it: the welcome still announces the feature mcu (set once at start), but no stream can be published or subscribed.',
    (p) => {
      p.signaling = { mode: 'external', hpb: { ...HPB_OK, janusStoppedAfterStart: true } };
    },
  ),
};

/** The profile, or an error naming the valid ones. */
export function profileByName(name: string): Profile {
  if (!(PROFILE_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown reference profile "${name}": use one of ${PROFILE_NAMES.join(', ')}`);
  }
  return PROFILES[name as ProfileName];
}
