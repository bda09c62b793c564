/** The certification model: what a check is (types, catalogue) and how verdicts are decided. */
export type * from './types.ts';
export { CHECKS, checkDefinition, isCheckId, type CheckId } from './catalogue.ts';
export * from './decide.ts';
