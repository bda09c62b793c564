import type { CertificationStatus } from './types.ts';

/**
 * The outcome of `npm run certify`, as its exit code. The one place these numbers are defined:
 * the CLI, `npm run report -- --merge`, the README's table and the self-tests all use these.
 *
 * - 0 CERTIFIED: every MUST check ran and passed.
 * - 1 NOT CERTIFIED: a MUST check failed (also one that passed only on retry). Conclusive, whatever
 *   else did not run.
 * - 2 UNUSABLE INPUT: the certification could not start: a configuration error, or a target that
 *   is not a usable Nextcloud (bad URL, unreachable, not Nextcloud, wrong password, maintenance).
 *   No verdict on the platform. A TLS certificate problem is NOT this: it is the verdict
 *   `https.tls.valid` fail (exit 1).
 * - 3 INCOMPLETE: no MUST check failed, but at least one did not run (the suite could not drive
 *   Talk's UI, Talk is not installed for the checks that need it, admin credentials missing, the
 *   run was narrowed or interrupted): what the missing checks certify was not established.
 */
export const EXIT_CERTIFIED = 0;
export const EXIT_NOT_CERTIFIED = 1;
export const EXIT_UNUSABLE_INPUT = 2;
export const EXIT_INCOMPLETE = 3;

/** Exit code per certification status. */
export const EXIT_CODE_OF_STATUS: Readonly<Record<CertificationStatus, number>> = {
  certified: EXIT_CERTIFIED,
  'not-certified': EXIT_NOT_CERTIFIED,
  incomplete: EXIT_INCOMPLETE,
};

export function exitCodeFor(status: CertificationStatus): number {
  return EXIT_CODE_OF_STATUS[status];
}

/** The exit codes as `--help` and the README list them. */
export const EXIT_CODES_HELP = [
  `${EXIT_CERTIFIED} CERTIFIED: every MUST check ran and passed`,
  `${EXIT_NOT_CERTIFIED} NOT CERTIFIED: a MUST check failed (a TLS certificate problem is the failed check https.tls.valid)`,
  `${EXIT_UNUSABLE_INPUT} unusable input: configuration error, or a target the run cannot start on (bad URL, unreachable, not a Nextcloud, wrong password, maintenance mode); no report`,
  `${EXIT_INCOMPLETE} INCOMPLETE: no MUST check failed, but a MUST check was not run (the report lists each with the reason)`,
] as const;
