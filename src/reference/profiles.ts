import { PROFILE_NAMES, type ProfileName } from './profile-names.ts';

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
  /** Talk (spreed) as installed and enabled; null = not installed (no routes, no files, no capabilities). */
  talk: { version: string } | null;
  web: {
    /** nginx terminates TLS on 443. false: port 80 serves Nextcloud itself. */
    tls: boolean;
    /** Port 80 answers `301 https://$host$request_uri` (only with tls). */
    redirectHttp: boolean;
    /** Strict-Transport-Security value on HTTPS responses, null for none. */
    hsts: string | null;
    /** `system`: /etc/nginx/mime.types (has `application/wasm wasm`); `without-wasm`: a copy without that line. */
    mimeTypes: 'system' | 'without-wasm';
  };
  /** Which of Talk's background blur files exist on disk (see src/talk/blur-assets.ts). */
  blurAssets: { wasm: boolean; tflite: boolean };
  turn: {
    /**
     * The TURN servers configured in Talk (app config `spreed turn_servers`): each one becomes
     * `scheme:host:port?transport=protocol` for every scheme and protocol. Host is the instance's
     * TURN address.
     */
    servers: { schemes: ('turn' | 'turns')[]; port: number; protocols: ('udp' | 'tcp')[] }[];
    /** `shared`: Talk signs credentials with coturn's static-auth-secret; `wrong`: with another secret (coturn rejects them). */
    secret: 'shared' | 'wrong';
  };
  /** STUN servers in Talk's settings (app config `spreed stun_servers`), as ports on the TURN host. */
  stun: { ports: number[] };
  /** What serverinfo reports (`ocs.data.server.database`). */
  database: { type: 'mysql' | 'pgsql' | 'sqlite3' | 'oci'; version: string };
  php: {
    /**
     * PHP-FPM `pm.max_children`: requests beyond it queue in the double the way they queue in
     * front of a full pool (a waiting long poll holds a worker). null = not a bottleneck.
     */
    maxChildren: number | null;
  };
  /** Talk's signaling mode; only Talk's internal signaling (no high-performance backend) is modelled. */
  signaling: { mode: 'internal' };
}

const GOOD: Profile = {
  name: 'good',
  description: 'Everything right: Nextcloud 32.0.1 with Talk 22.0.2 over HTTPS (HTTP redirects, HSTS), blur files served as application/wasm, coturn on 443.',
  nextcloud: { version: '32.0.1.2', versionString: '32.0.1' },
  talk: { version: '22.0.2' },
  web: { tls: true, redirectHttp: true, hsts: 'max-age=15768000; includeSubDomains', mimeTypes: 'system' },
  blurAssets: { wasm: true, tflite: true },
  // Talk's recommendation (docs/TURN.md): one server on 443, `turn:` and `turns:`, UDP and TCP.
  turn: { servers: [{ schemes: ['turn', 'turns'], port: 443, protocols: ['udp', 'tcp'] }], secret: 'shared' },
  stun: { ports: [443] },
  // As serverinfo reports MariaDB 10.11 (nc32-samples/serverinfo-admin.json: type mysql, version without a -MariaDB suffix).
  database: { type: 'mysql', version: '10.11.19' },
  php: { maxChildren: null },
  signaling: { mode: 'internal' },
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
    "nginx includes a mime.types without `application/wasm wasm`, so .wasm goes out as application/octet-stream (streaming compile fails, Talk falls back).",
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
};

/** The profile, or an error naming the valid ones. */
export function profileByName(name: string): Profile {
  if (!(PROFILE_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown reference profile "${name}": use one of ${PROFILE_NAMES.join(', ')}`);
  }
  return PROFILES[name as ProfileName];
}
