import type { ProfileName } from './profile-names.ts';
import type { UiProfileName } from './ui-profiles.ts';

/**
 * The reference platform's public face: what a caller (the reference target adapter, the CLI,
 * the self-tests) imports. It holds the types of a started platform and re-exports the rest:
 *   start.ts      platform start: startReferencePlatform (network, certificates, the Talk double,
 *                 nginx, coturn, the HPB, readiness probes) and withUi
 *   lifecycle.ts  instance lifecycle: a running instance, its stop (also on Ctrl-C, SIGTERM, exit)
 *   instances.ts  instance slots, network namespaces, sweeping stale instances
 */

export { PROFILES } from './profiles.ts';
export type { Profile } from './profiles.ts';
export { sweepStaleInstances } from './instances.ts';
export { ReferencePlatformError } from './system.ts';
export { startReferencePlatform, withUi } from './start.ts';

export interface ReferenceUser {
  user: string;
  password: string;
  displayName: string;
  isAdmin: boolean;
}

export interface StartOptions {
  profile: ProfileName;
  runId: string;
  /** Parent folder for the instance's files (configs, certificates, logs, document root); `instance-<N>` is created in it and removed on stop. */
  workDir: string;
  log?: (line: string) => void;
  /** Which Talk release's web UI (and the Nextcloud release under it) the double imitates; default `talk22` (ui-profiles.ts). */
  ui?: UiProfileName;
  /**
   * The first-run wizard (app firstrunwizard, on by default in Nextcloud 30–32) covers every page
   * of a user who has not closed it. Default true, as on a real server; false = the app is disabled.
   */
  firstRunWizard?: boolean;
}

export interface ReferencePlatform {
  profile: ProfileName;
  /** The UI profile the double runs with. */
  ui: UiProfileName;
  index: number;
  /** `https://10.213.N.2/` (`http://10.213.N.2/` for http-only), trailing slash. */
  url: string;
  /** `10.213.N.2`. */
  host: string;
  /** PEM of the instance CA that signed the web and TURN certificates. */
  caFile: string;
  users: { alice: ReferenceUser; bob: ReferenceUser; admin: ReferenceUser };
  /** TURN as Talk hands it out: host `10.213.N.3`, coturn's static-auth-secret, the URLs in the signaling settings. */
  turn: {
    host: string;
    secret: string;
    urls: string[];
    /** The TURN host's name (turns: URLs use it); no DNS serves it, see `hosts`. */
    name: string;
    /** `10.213.N.5`: the TURN host behind a firewall that lets only TCP 443 through (firewall.ts), and its rules. */
    restricted: { address: string; rules: string[] };
  };
  /** Host names of the platform and the address each must resolve to (for browsers; no DNS serves them). */
  hosts: Record<string, string>;
  versions: { nextcloud: string; talk: string | null };
  /** The double's own listener (`http://10.213.N.1:<port>/`, bypassing nginx); GET `<url>__reference/state` with header `X-Reference-Control: <token>`. */
  control: { url: string; token: string };
  /** Stops everything and removes the instance; idempotent, also runs on SIGINT/SIGTERM of this process. */
  stop(): Promise<void>;
}
