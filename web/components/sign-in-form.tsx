'use client';

import { useState, type FormEvent } from 'react';
import type { Endpoints } from '../lib/endpoints.ts';
import { describeError } from '../lib/friendly-error.ts';
import { signIn, type Session } from '../lib/session.ts';

// Signing in: a tenant API key and a name, exchanged once for a user token. The key is not kept.
// Without an account, the app can still talk where the server allows anonymous voice.

export function SignInForm(props: { endpoints: Endpoints; onSignedIn(session: Session): void }) {
  const [apiKey, setApiKey] = useState('');
  const [userId, setUserId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (apiKey.trim() === '' || userId.trim() === '') {
      setError('Enter both the API key and your name.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const session = await signIn({ httpBase: props.endpoints.httpBase, apiKey, userId });
      setApiKey('');
      props.onSignedIn(session);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <h1>cai</h1>
      <p className="lead">Chat and talk with your assistant.</p>
      <form onSubmit={(event) => void submit(event)} aria-describedby="sign-in-help">
        <div className="field">
          <label htmlFor="api-key">API key</label>
          <input
            id="api-key"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={apiKey}
            onChange={(event) => setApiKey(event.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor="user-id">Your name</label>
          <input
            id="user-id"
            type="text"
            autoComplete="username"
            maxLength={256}
            value={userId}
            onChange={(event) => setUserId(event.target.value)}
            required
          />
        </div>
        <p id="sign-in-help" className="muted">
          The key is used once, to get a sign-in for you, and is not stored. Ask your administrator for one (
          <code>npx cai tenant create --name NAME</code>). Your conversations are kept under your name.
        </p>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <div className="anonymous">
        <p>No key? Where the server allows it, you can talk without an account.</p>
        <button type="button" className="button" onClick={() => props.onSignedIn({ kind: 'anonymous' })}>
          Talk without an account
        </button>
      </div>
    </main>
  );
}
