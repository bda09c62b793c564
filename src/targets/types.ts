import type { Credentials, TargetKind } from '../config/index.ts';
import type { TargetProbe } from '../talk/probe.ts';

/**
 * The target boundary. A target is where the certification runs: any Nextcloud by URL
 * (src/targets/url.ts), the built-in reference platform (reference.ts) or a testcontainers-launched
 * platform (testcontainers/). Each adapter turns its platform into a ResolvedTarget; checks and
 * fixtures see only the types of this file, never a platform's own API.
 */
export interface ResolvedTarget {
  kind: TargetKind;
  url: string;
  caFile: string | undefined;
  /** The platform's profile, for targets that have them (the reference platform's fault profiles); reported, never branched on. */
  profile: string | null;
  user: Credentials | undefined;
  user2: Credentials | undefined;
  admin: Credentials | undefined;
  runId: string;
  probe: TargetProbe;
  /**
   * Host names the target's URLs use that no DNS serves, with their addresses (the reference
   * platform's TURN name); browsers are launched to resolve them so (src/browsers/trust.ts).
   */
  hosts?: Record<string, string>;
  /**
   * The restrictive network of turn.relay.restricted (a network that lets only TCP 443 out), when
   * the run has one: `provided` by the target (a platform that can stand one up next to its TURN
   * server, as the reference platform does), or `declared` by the operator for the machine the
   * suite runs on (TALK_TURN_RESTRICTED_NETWORK). Absent: the check is not run (environment).
   */
  restrictedTurn?: RestrictedNetwork;
  /**
   * Set when the target's TLS certificate is not valid (another host name, expired, untrusted
   * issuer). Then nothing was sent to the target: `probe` holds no observation (status, user and
   * Talk unknown), https.tls.valid reports the problems as its failure, and every check that needs
   * a valid certificate is not run, citing it (fixtures/target.ts).
   */
  tlsInvalid?: TlsInvalid;
}

export interface TlsInvalid {
  /** What is wrong with the certificate, from src/tls `tlsProblems`. */
  problems: string[];
}

/**
 * A network that lets only TCP 443 out, for turn.relay.restricted.
 * - `provided`: the target stands up an address of its TURN host behind firewall rules that let
 *   only TCP 443 through; Talk's TURN URLs for the host names in `replaces` are pointed at
 *   `address` for the check. `label` and `how` say, in the evidence, what the network is.
 * - `declared`: the operator says the machine the suite runs on is behind such a firewall; Talk's
 *   URLs are used as they are, after checking that UDP really does not get through.
 */
export type RestrictedNetwork = { kind: 'provided'; label: string; how: string; address: string; replaces: string[]; rules: string[] } | { kind: 'declared' };

/** Secret-free summary for the reporter, written by global setup. */
export interface TargetState {
  kind: string;
  url: string;
  profile: string | null;
  nextcloudVersion: string | null;
  talkVersion: string | null;
  /** Why there is no Talk version: `not installed …`, or not established (invalid TLS). Absent when Talk was found. */
  talkNote?: string | null;
  runId: string;
  error?: { code: string; message: string };
}

export interface StartedTarget {
  target: ResolvedTarget;
  stop(): Promise<void>;
}

/** Starts one kind of target: the adapters in this directory. */
export type TargetStarter = (config: import('../config/index.ts').Config, log: (line: string) => void) => Promise<StartedTarget>;
