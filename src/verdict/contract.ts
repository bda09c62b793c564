/**
 * The names by which a check's test hands its result to the certification reporter (issue 15
 * point 4: one definition per contract). Written by fixtures/check.ts and fixtures/browser.ts,
 * read by src/reporter/gather.ts; nothing else spells them.
 */

/** Static annotation on every check's test; its description is the JSON of the CheckDefinition. */
export const CHECK_ANNOTATION = 'talk-certify:check';
/** Runtime annotation pushed before `testInfo.skip()` when the requirement does not apply. */
export const NOT_APPLICABLE_ANNOTATION = 'talk-certify:not-applicable';
/**
 * The annotation `evidence.notRun` leaves: the not-run reason's class (src/verdict/types.ts
 * NotRunClass) and how to establish the check (src/verdict/outcome.ts NotRunNote).
 */
export const NOT_RUN_ANNOTATION = 'talk-certify:not-run';
/** JSON `Evidence`, attached by the check's fixture (already redacted). */
export const EVIDENCE_ATTACHMENT = 'talk-certify-evidence';
/** JSON `{ name, version, channel, executable }`, attached once the browser is launched. */
export const BROWSER_ATTACHMENT = 'talk-certify-browser';
