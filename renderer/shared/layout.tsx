/** App shell (dark sidebar + content), page header, cards and tabs shared by both apps. */
import type { ReactNode } from 'react';

export interface NavItem<Id extends string> {
  id: Id;
  label: string;
  badge?: ReactNode;
  disabled?: boolean;
}

/** The two-column layout: a sidebar with the brand and navigation, and the scrolling page. */
export function AppShell<Id extends string>(props: {
  product: string;
  subtitle: string;
  nav: NavItem<Id>[];
  active: Id;
  onNavigate: (id: Id) => void;
  footer?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <div className="brand-mark" aria-hidden>
            F
          </div>
          <div>
            {props.product}
            <small>{props.subtitle}</small>
          </div>
        </div>
        {props.nav.map((item) => (
          <button
            key={item.id}
            type="button"
            className={`nav-item${item.id === props.active ? ' active' : ''}`}
            disabled={item.disabled}
            aria-current={item.id === props.active ? 'page' : undefined}
            onClick={() => props.onNavigate(item.id)}
          >
            <span>{item.label}</span>
            {item.badge !== undefined && <span className="nav-badge">{item.badge}</span>}
          </button>
        ))}
        {props.footer && <div className="sidebar-footer">{props.footer}</div>}
      </nav>
      <main className="main">{props.children}</main>
    </div>
  );
}

/** A page title with an optional subtitle and actions on the right. */
export function PageHeader(props: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.subtitle && <p>{props.subtitle}</p>}
      </div>
      {props.actions && <div className="actions">{props.actions}</div>}
    </header>
  );
}

/** A white panel with an optional title row. */
export function Card(props: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section className="card" data-testid={props.testId}>
      {(props.title || props.actions) && (
        <div className="card-title">
          {props.title ? <h2>{props.title}</h2> : <span />}
          {props.actions}
        </div>
      )}
      {props.children}
    </section>
  );
}

/** One headline number with a label. */
export function Stat(props: { label: string; value: ReactNode; sub?: ReactNode; testId?: string }) {
  return (
    <div className="stat" data-testid={props.testId}>
      <div className="stat-label">{props.label}</div>
      <div className="stat-value">{props.value}</div>
      {props.sub && <div className="stat-sub">{props.sub}</div>}
    </div>
  );
}

/** A row of tabs; the caller renders the active panel. */
export function Tabs<Id extends string>(props: {
  tabs: { id: Id; label: ReactNode }[];
  active: Id;
  onChange: (id: Id) => void;
}) {
  return (
    <div className="tabs" role="tablist">
      {props.tabs.map((t) => (
        <button
          key={t.id}
          type="button"
          role="tab"
          aria-selected={t.id === props.active}
          className={`tab${t.id === props.active ? ' active' : ''}`}
          onClick={() => props.onChange(t.id)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
