import type { CertificationStatus, NotRunClass } from './types.ts';

/**
 * The outcome of `npm run certify`, as its exit code. The one place these numbers are defined:
 * the CLI, `npm run report -- --merge`, the README's table and the self-tests all use these.
 *
 * - 0 CERTIFIED: every MUST check that can be made from where the suite ran passed. MUST checks this
 *   environment cannot make (class `environment`: browser not installed here, this network not the
 *   restricted network turn.relay.restricted needs, no admin account for the database checks) do
 *   not block; the summary line names each with how to establish it.
 * - 1 NOT CERTIFIED: a MUST check failed (also one that passed only on retry). Conclusive, whatever
 *   else did not run.
 * - 2 UNUSABLE INPUT: the certification could not start: a configuration error, or a target that
 *   is not a usable Nextcloud (bad URL, unreachable, not Nextcloud, wrong password, maintenance).
 *   No verdict on the platform. A TLS certificate problem is NOT this: it is the verdict
 *   `https.tls.valid` fail (exit 1).
 * - 3 INCOMPLETE: no MUST check failed, but at least one could not be established on what the run
 *   had (class `incomplete`: the suite could not drive Talk's UI, no second participant, the client
 *   was throttled, the run was narrowed or interrupted): what the missing checks certify was not
 *   established.
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
  `${EXIT_CERTIFIED} CERTIFIED: every MUST check that can be made from here passed (the summary names those this environment cannot make, and how to make them)`,
  `${EXIT_NOT_CERTIFIED} NOT CERTIFIED: a MUST check failed (a TLS certificate problem is the failed check https.tls.valid)`,
  `${EXIT_UNUSABLE_INPUT} unusable input: configuration error, or a target the run cannot start on (bad URL, unreachable, not a Nextcloud, wrong password, maintenance mode); no report`,
  `${EXIT_INCOMPLETE} INCOMPLETE: no MUST check failed, but a MUST check could not be established on what the run had (the report lists each with the reason and how to establish it)`,
] as const;

/** The annotation `evidence.notRun` leaves for the reporter (defined with the other names in ./contract.ts). */
export { NOT_RUN_ANNOTATION } from './contract.ts';

export interface NotRunNote {
  class: NotRunClass;
  establish: string | null;
}

/** Reads a NOT_RUN_ANNOTATION description; null when it is not one. */
export function parseNotRunNote(description: string | undefined | null): NotRunNote | null {
  if (!description) return null;
  try {
    const v = JSON.parse(description) as Partial<NotRunNote>;
    if (v.class !== 'environment' && v.class !== 'incomplete') return null;
    return { class: v.class, establish: typeof v.establish === 'string' ? v.establish : null };
  } catch {
    return null;
  }
}
