/** A plain, typed table: columns describe how to render a row; empty tables say what to do. */
import type { ReactNode } from 'react';
import { ScrollHint } from './scroll-hint.tsx';

export interface Column<T> {
  key: string;
  header: ReactNode;
  render: (row: T) => ReactNode;
  align?: 'left' | 'right';
  /** Keeps the column in view at the right edge while a wide table scrolls (row actions). */
  sticky?: boolean;
  className?: (row: T) => string | undefined;
}

/** Renders rows as a table, with an empty state when there are none. */
export function DataTable<T>(props: {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty?: ReactNode;
  onRowClick?: (row: T) => void;
  /** What a screen reader says for a clickable row (it is also reachable with Tab and opens with Enter). */
  rowLabel?: (row: T) => string;
  selectedKey?: string | null;
  testId?: string;
}) {
  if (props.rows.length === 0 && props.empty) return <div className="card">{props.empty}</div>;
  return (
    <ScrollHint>
      <table className="table" data-testid={props.testId}>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th
                key={c.key}
                className={
                  [c.align === 'right' ? 'right' : '', c.sticky ? 'sticky-right' : ''].join(' ').trim() ||
                  undefined
                }
              >
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => {
            const key = props.rowKey(row);
            const cls = [props.onRowClick ? 'clickable' : '', key === props.selectedKey ? 'selected' : '']
              .filter(Boolean)
              .join(' ');
            return (
              <tr
                key={key}
                className={cls || undefined}
                data-key={key}
                onClick={props.onRowClick ? () => props.onRowClick?.(row) : undefined}
                tabIndex={props.onRowClick ? 0 : undefined}
                aria-label={props.onRowClick ? props.rowLabel?.(row) : undefined}
                onKeyDown={
                  props.onRowClick
                    ? (e) => {
                        // Only the row itself: Enter on a button inside it (or in its dialog) is that button's.
                        if (e.target !== e.currentTarget || (e.key !== 'Enter' && e.key !== ' ')) return;
                        e.preventDefault();
                        props.onRowClick?.(row);
                      }
                    : undefined
                }
              >
                {props.columns.map((c) => {
                  const extra = c.className?.(row);
                  const classes = [
                    c.align === 'right' ? 'right num' : '',
                    c.sticky ? 'sticky-right' : '',
                    extra ?? '',
                  ]
                    .filter(Boolean)
                    .join(' ');
                  return (
                    <td key={c.key} className={classes || undefined}>
                      {c.render(row)}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollHint>
  );
}
