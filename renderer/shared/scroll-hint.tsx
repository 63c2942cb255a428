/** A horizontally scrolling box that shows it scrolls: a shadow and a "scroll →" note while more is hidden. */
import { useEffect, useRef, useState, type ReactNode } from 'react';

/** Wraps a wide table; marks itself `data-overflow` while content is cut off on the right. */
export function ScrollHint(props: { children: ReactNode; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [more, setMore] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const check = () => setMore(el.scrollWidth - el.clientWidth - el.scrollLeft > 2);
    check();
    el.addEventListener('scroll', check, { passive: true });
    const observer = new ResizeObserver(check);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    return () => {
      el.removeEventListener('scroll', check);
      observer.disconnect();
    };
  }, []);
  return (
    <div className={`table-scroll${more ? ' more' : ''}`} data-testid={props.testId}>
      <div ref={ref} className="table-wrap" data-overflow={more ? 'true' : undefined}>
        {props.children}
      </div>
      {more && (
        <span className="scroll-note" aria-hidden>
          scroll →
        </span>
      )}
    </div>
  );
}
