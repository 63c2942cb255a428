/**
 * Fast-changing numbers (samples/s, progress) written straight into the DOM from a store
 * subscription, so a metric ticking several times a second does not re-render the page.
 */
import { useEffect, useRef } from 'react';

/** The minimal store surface a live value needs (a zustand store satisfies it). */
export interface Subscribable<S> {
  getState(): S;
  subscribe(listener: (state: S) => void): () => void;
}

/** A <span> whose text follows `select(state)` without React re-rendering it. */
export function LiveText<S>(props: {
  store: Subscribable<S>;
  select: (state: S) => string;
  testId?: string;
  className?: string;
}) {
  const ref = useRef<HTMLSpanElement>(null);
  const { store, select } = props;
  useEffect(() => {
    const write = (s: S) => {
      const text = select(s);
      if (ref.current && ref.current.textContent !== text) ref.current.textContent = text;
    };
    write(store.getState());
    return store.subscribe(write);
  }, [store, select]);
  return <span ref={ref} className={props.className} data-testid={props.testId} />;
}

/** A progress bar whose width follows `select(state)` (0..1, or null for indeterminate). */
export function LiveProgress<S>(props: {
  store: Subscribable<S>;
  select: (state: S) => number | null;
  label: string;
}) {
  const outer = useRef<HTMLDivElement>(null);
  const inner = useRef<HTMLDivElement>(null);
  const { store, select } = props;
  useEffect(() => {
    const write = (s: S) => {
      const v = select(s);
      if (!outer.current || !inner.current) return;
      outer.current.classList.toggle('indeterminate', v === null);
      inner.current.style.width = v === null ? '' : `${Math.max(0, Math.min(1, v)) * 100}%`;
      outer.current.setAttribute('aria-valuenow', v === null ? '' : String(Math.round(v * 100)));
    };
    write(store.getState());
    return store.subscribe(write);
  }, [store, select]);
  return (
    <div
      ref={outer}
      className="progress"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
    >
      <div ref={inner} />
    </div>
  );
}
