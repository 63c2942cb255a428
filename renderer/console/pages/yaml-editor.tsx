/**
 * A YAML text area whose problems show in place: the line is tinted, marked in the gutter, and the
 * message is written at the end of that line. Problems without a line are listed below.
 */
import { useMemo } from 'react';
import type { SpecIssue } from '../api.ts';
import { plainSpecMessage } from './spec-messages.ts';

/** Edits YAML and shows `issues` at their lines. */
export function YamlEditor(props: {
  value: string;
  onChange: (v: string) => void;
  issues: SpecIssue[];
  /** The text the issues were found in; a marker clears once its line is edited. */
  issuesText?: string;
}) {
  const lines = props.value.split('\n');
  const byLine = useMemo(() => {
    const then = props.issuesText?.split('\n');
    const now = props.value.split('\n');
    const m = new Map<number, SpecIssue[]>();
    for (const issue of props.issues) {
      if (issue.line === null) continue;
      const line = Math.min(issue.line, now.length);
      if (then && then[line - 1] !== now[line - 1]) continue;
      m.set(line, [...(m.get(line) ?? []), issue]);
    }
    return m;
  }, [props.issues, props.issuesText, props.value]);
  const unplaced = props.issues.filter((i) => i.line === null);

  return (
    <div className="yaml-wrap">
      <div className="yaml-editor" data-testid="yaml-editor">
        <div className="yaml-gutter" aria-hidden>
          {lines.map((_, i) => (
            <div key={i} className={byLine.has(i + 1) ? 'err' : undefined}>
              {i + 1}
            </div>
          ))}
        </div>
        <div className="yaml-body">
          <div className="yaml-backdrop" aria-hidden>
            {lines.map((text, i) => {
              const issues = byLine.get(i + 1);
              return (
                <div key={i} className={issues ? 'yaml-line err' : 'yaml-line'}>
                  <span className="yaml-ghost">{text || ' '}</span>
                  {issues && (
                    <span className="yaml-msg" data-testid="yaml-inline-error" data-line={i + 1}>
                      {issues.map((x) => plainSpecMessage(x.path, x.message)).join(' · ')}
                    </span>
                  )}
                </div>
              );
            })}
          </div>
          <textarea
            className="yaml-input"
            aria-label="Job YAML"
            spellCheck={false}
            wrap="off"
            value={props.value}
            onChange={(e) => props.onChange(e.target.value)}
          />
        </div>
      </div>
      {unplaced.length > 0 && (
        <ul className="problems" data-testid="yaml-other-errors">
          {unplaced.map((x, i) => (
            <li key={i}>{plainSpecMessage(x.path, x.message)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
