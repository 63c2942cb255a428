/** Operator sign-in. */
import { useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useConsole } from '../store/index.ts';
import { Banner, Spinner } from '../../shared/feedback.tsx';

/** The sign-in card shown until the operator has a token. */
export function SignInPage() {
  const { signIn, signingIn, signInError } = useConsole(
    useShallow((s) => ({ signIn: s.signIn, signingIn: s.signingIn, signInError: s.signInError })),
  );
  // Nothing prefilled: a guessed name that does not exist on this hub only misleads.
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  function submit(e: FormEvent) {
    e.preventDefault();
    void signIn(username, password);
  }
  return (
    <div className="center-screen">
      <form className="card signin" onSubmit={submit} aria-label="Sign in">
        <div className="brand">
          <div className="brand-mark" aria-hidden>
            F
          </div>
          <div>
            FedUnify hub console
            <small className="muted">Sign in with the operator credentials the hub printed at start.</small>
          </div>
        </div>
        {signInError && <Banner tone="err">{signInError}</Banner>}
        <label className="field">
          User name
          <input
            className="input"
            autoComplete="username"
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label className="field">
          Password
          <input
            className="input"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <button
          type="submit"
          className="btn primary"
          disabled={signingIn}
          style={{ justifyContent: 'center' }}
        >
          {signingIn && <Spinner label="Signing in" />}
          {signingIn ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
