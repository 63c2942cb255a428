/**
 * Reads a job spec sent as JSON or YAML and validates it with the shared zod schema. For YAML,
 * each problem names the line it is on (zod paths mapped through the YAML document's ranges).
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { jobSpecSchema, type JobSpec } from '../../core/wire/job-spec.ts';

/** Alias uses a job spec may make; a real spec needs a handful at most. */
const MAX_ALIAS_COUNT = 50;

/** One problem in a job spec: where (dotted path, YAML line) and what. */
export interface SpecIssue {
  path: string;
  line?: number;
  message: string;
}

/** The outcome of parsing a job spec. */
export type SpecParse = { ok: true; spec: JobSpec } | { ok: false; error: string; issues: SpecIssue[] };

/** The YAML line of `path` in `doc`: the key's own line, else the nearest enclosing one that exists. */
function lineOf(
  doc: Document,
  counter: LineCounter,
  path: PropertyKey[],
  extraKey?: string,
): number | undefined {
  const keys = extraKey === undefined ? [...path] : [...path, extraKey];
  for (let n = keys.length; n >= 1; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(keys.slice(0, n - 1), true);
    const key = keys[n - 1];
    let range: [number, number, number] | null | undefined;
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      range = pair && isScalar(pair.key) ? pair.key.range : undefined;
    } else if (isSeq(parent) && typeof key === 'number') {
      range = (parent.items[key] as { range?: [number, number, number] } | undefined)?.range;
    }
    if (range) return counter.linePos(range[0]).line;
  }
  const top = doc.contents?.range;
  return top ? counter.linePos(top[0]).line : undefined;
}

function issuesOf(
  error: z.ZodError,
  locate: (path: PropertyKey[], key?: string) => number | undefined,
): SpecIssue[] {
  const out: SpecIssue[] = [];
  for (const issue of error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const fullPath = key === undefined ? issue.path : [...issue.path, key];
      const line = locate(issue.path, key);
      out.push({
        path: fullPath.map(String).join('.') || '(top level)',
        ...(line !== undefined ? { line } : {}),
        message: issue.code === 'unrecognized_keys' ? `unknown field "${key}"` : issue.message,
      });
    }
  }
  return out;
}

function summary(issues: SpecIssue[]): string {
  const first = issues
    .slice(0, 3)
    .map((i) => `${i.line !== undefined ? `line ${i.line}: ` : ''}${i.path}: ${i.message}`)
    .join('; ');
  return `The job spec is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}): ${first}${issues.length > 3 ? '; ...' : ''}`;
}

/** Validates an already-parsed job object (JSON bodies). */
export function parseJobSpecObject(value: unknown): SpecParse {
  const parsed = jobSpecSchema.safeParse(value);
  if (parsed.success) return { ok: true, spec: parsed.data };
  const issues = issuesOf(parsed.error, () => undefined);
  return { ok: false, error: summary(issues), issues };
}

/** Parses YAML (or JSON, which is YAML) text and validates it, with line numbers in every issue. */
export function parseJobSpecYaml(text: string): SpecParse {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => ({
      path: '(yaml)',
      line: e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line,
      message: e.message.split('\n')[0],
    }));
    return {
      ok: false,
      error: `The job spec is not valid YAML: line ${issues[0].line}: ${issues[0].message}`,
      issues,
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml refuses aliases that expand too much ("billion laughs"); anything else it throws here
    // is also about the text, never a hub fault.
    const aliasBomb = err instanceof ReferenceError && /alias/i.test(err.message);
    const message = aliasBomb
      ? `its aliases (*name) expand to too many values (more than ${MAX_ALIAS_COUNT} alias uses, as in a "billion laughs" attack): write the values out instead`
      : `it cannot be read: ${(err as Error).message.split('\n')[0]}`;
    return {
      ok: false,
      error: `The job spec is not acceptable YAML: ${message}.`,
      issues: [{ path: '(yaml)', message }],
    };
  }
  const parsed = jobSpecSchema.safeParse(value);
  if (parsed.success) return { ok: true, spec: parsed.data };
  const issues = issuesOf(parsed.error, (path, key) => lineOf(doc, counter, path, key));
  return { ok: false, error: summary(issues), issues };
}
