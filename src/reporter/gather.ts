import { readFileSync } from 'node:fs';
import type { FullProject, TestCase, TestResult } from '@playwright/test/reporter';
import type { Attempt } from '../verdict/decide.ts';
import type { BrowserRecord, CheckDefinition, Evidence } from '../verdict/types.ts';
import { redact, redactText } from '../redact/index.ts';
import { BROWSER_ATTACHMENT, CHECK_ANNOTATION, EVIDENCE_ATTACHMENT, NOT_APPLICABLE_ANNOTATION } from '../verdict/contract.ts';

/**
 * Reads the talk-certify contract off Playwright's objects: the check annotation, the evidence
 * and browser attachments, the not-applicable and skip annotations. Nothing here decides a
 * verdict; see src/verdict/decide.ts. The names are defined in src/verdict/contract.ts.
 */
export { BROWSER_ATTACHMENT, CHECK_ANNOTATION, EVIDENCE_ATTACHMENT, NOT_APPLICABLE_ANNOTATION };

type Annotation = TestCase['annotations'][number];
type Attachment = TestResult['attachments'][number];

/**
 * The annotations that apply to a test: the last attempt's (they include runtime annotations,
 * such as not-applicable and skip), then the test's own (the static ones, which are all there
 * is when the test never ran).
 */
export function annotationsOf(test: TestCase): Annotation[] {
  const last = test.results.at(-1);
  return [...(last?.annotations ?? []), ...test.annotations];
}

export type CheckAnnotation = { kind: 'none' } | { kind: 'check'; definition: CheckDefinition } | { kind: 'malformed'; problem: string };

const REQUIRED_FIELDS = ['id', 'area', 'title', 'requirement', 'severity', 'provenance', 'runsIn', 'criterion', 'remedy'] as const;

export function readCheckAnnotation(test: TestCase): CheckAnnotation {
  const a = annotationsOf(test).find((x) => x.type === CHECK_ANNOTATION);
  if (!a) return { kind: 'none' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(a.description ?? '');
  } catch (err) {
    return { kind: 'malformed', problem: `its description is not JSON (${(err as Error).message})` };
  }
  if (!parsed || typeof parsed !== 'object') return { kind: 'malformed', problem: 'its description is not a JSON object' };
  const missing = REQUIRED_FIELDS.filter((f) => typeof (parsed as Record<string, unknown>)[f] !== 'string');
  if (missing.length > 0) return { kind: 'malformed', problem: `it lacks ${missing.join(', ')}` };
  const def = parsed as CheckDefinition;
  if (def.severity !== 'must' && def.severity !== 'should') {
    return { kind: 'malformed', problem: `severity "${def.severity}" is neither must nor should` };
  }
  return { kind: 'check', definition: def };
}

/** The description of the first annotation of this type on the last attempt (or the test), null when absent. */
export function annotationDescription(test: TestCase, type: string): string | null {
  const a = annotationsOf(test).find((x) => x.type === type);
  return a ? (a.description ?? '') : null;
}

function attachmentText(a: Attachment): string | null {
  if (a.body) return a.body.toString('utf8');
  if (a.path) {
    try {
      return readFileSync(a.path, 'utf8');
    } catch {
      return null;
    }
  }
  return null;
}

/** The last attachment of that name parsed as JSON; `problem` says why it could not be read. */
export function readJsonAttachment(result: TestResult, name: string): { value: unknown } | { problem: string } | null {
  const a = result.attachments.filter((x) => x.name === name).at(-1);
  if (!a) return null;
  const text = attachmentText(a);
  if (text === null) return { problem: `attachment "${name}" has neither a body nor a readable file` };
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { problem: `attachment "${name}" is not JSON (${(err as Error).message})` };
  }
}

function asEvidence(value: unknown): Evidence | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (typeof v.observed !== 'string') return null;
  return {
    observed: v.observed,
    ...(typeof v.diagnosis === 'string' && v.diagnosis ? { diagnosis: v.diagnosis } : {}),
    ...(v.provenance === 'observed' || v.provenance === 'reported' || v.provenance === 'inferred' ? { provenance: v.provenance } : {}),
    details: v.details && typeof v.details === 'object' ? (v.details as Record<string, unknown>) : {},
  };
}

/** One attempt, redacted again: evidence is redacted by the fixture, but error messages are not. */
export function attemptOf(result: TestResult, problems: string[]): Attempt {
  let evidence: Evidence | null = null;
  const read = readJsonAttachment(result, EVIDENCE_ATTACHMENT);
  if (read && 'problem' in read) problems.push(read.problem);
  else if (read) {
    evidence = asEvidence(read.value);
    if (!evidence) problems.push(`attachment "${EVIDENCE_ATTACHMENT}" lacks the string field "observed"`);
  }
  const err = result.errors[0] ?? result.error;
  const message = err ? (err.message ?? err.value ?? null) : null;
  return {
    status: result.status,
    evidence: evidence ? redact(evidence) : null,
    error: message === null ? null : redactText(message),
    durationMs: result.duration,
  };
}

/** The project's `metadata.talkBrowser`, or null for projects that launch no browser (`platform`). */
export function projectBrowser(project: FullProject | undefined): BrowserRecord | null {
  const b = project?.metadata?.talkBrowser as Partial<BrowserRecord> | undefined;
  if (!b || typeof b !== 'object' || typeof b.name !== 'string') return null;
  return {
    project: project?.name ?? b.project ?? '',
    name: b.name,
    ...(typeof b.label === 'string' ? { label: b.label } : {}),
    version: b.version ?? null,
    channel: b.channel ?? null,
    executable: b.executable ?? null,
    notRunReason: b.notRunReason ?? null,
  };
}

/** What a launched browser says about itself in the `talk-certify-browser` attachment. */
export type LaunchedBrowser = Partial<Pick<BrowserRecord, 'name' | 'version' | 'channel' | 'executable'>>;

/** What a launched browser reported about itself, from the latest attempt that attached it. */
export function launchedBrowserOf(test: TestCase): LaunchedBrowser | null {
  for (const result of [...test.results].reverse()) {
    const read = readJsonAttachment(result, BROWSER_ATTACHMENT);
    if (!read || 'problem' in read || !read.value || typeof read.value !== 'object') continue;
    const v = read.value as Record<string, unknown>;
    const str = (x: unknown) => (typeof x === 'string' && x ? x : undefined);
    const out: LaunchedBrowser = {};
    const name = str(v.name);
    const version = str(v.version);
    const channel = str(v.channel);
    const executable = str(v.executable);
    if (name) out.name = name;
    if (version) out.version = version;
    if (channel) out.channel = channel;
    if (executable) out.executable = executable;
    return out;
  }
  return null;
}

/** A test's name in notes: its title path below the project, and the project. */
export function testLabel(test: TestCase): string {
  const [, project, ...rest] = test.titlePath();
  return `${rest.filter(Boolean).join(' › ')}${project ? ` [${project}]` : ''}`;
}
