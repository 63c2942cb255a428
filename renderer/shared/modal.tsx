/**
 * A modal dialog rendered into document.body (above the page, never inside a table cell): it takes
 * focus, keeps Tab inside itself, closes on Escape when it may, and gives focus back on close.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The elements Tab may reach inside `root`, in order. */
function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null);
}

/** A modal; `onCancel` runs on Escape and on a click outside (omit it for a dialog that must be answered). */
export function Modal(props: { label: string; children: ReactNode; onCancel?: () => void; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const onCancel = useRef(props.onCancel);
  onCancel.current = props.onCancel;
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const root = box.current;
    // The first button that is not destructive, else the first focusable, else the dialog itself.
    const first =
      root?.querySelector<HTMLElement>('[data-autofocus]') ?? (root ? focusables(root)[0] : null) ?? root;
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (!root) return;
      if (e.key === 'Escape' && onCancel.current) {
        e.preventDefault();
        onCancel.current();
        return;
      }
      if (e.key !== 'Tab') return;
      const items = focusables(root);
      if (items.length === 0) {
        e.preventDefault();
        return;
      }
      const at = items.indexOf(document.activeElement as HTMLElement);
      if (e.shiftKey && (at <= 0 || at === -1)) {
        e.preventDefault();
        items[items.length - 1].focus();
      } else if (!e.shiftKey && (at === items.length - 1 || at === -1)) {
        e.preventDefault();
        items[0].focus();
      }
    };
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      // Back to where the user was, when that element still exists.
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return createPortal(
    <div className="overlay" role="presentation" onClick={() => onCancel.current?.()}>
      <div
        ref={box}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-label={props.label}
        tabIndex={-1}
        data-testid={props.testId}
        onClick={(e) => e.stopPropagation()}
      >
        {props.children}
      </div>
    </div>,
    document.body,
  );
}
