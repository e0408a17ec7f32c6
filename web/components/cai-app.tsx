'use client';

import { useCallback, useEffect, useState } from 'react';
import { frontendSettings, resolveEndpoints, type Endpoints } from '../lib/endpoints.ts';
import { clearSession, isExpired, loadSession, saveSession, type Session } from '../lib/session.ts';
import { SignInForm } from './sign-in-form.tsx';
import { Workspace } from './workspace.tsx';

// The whole app: signed out → the sign-in form; signed in (or anonymous) → the workspace.
// Everything runs in the browser; the static HTML only shows "Loading…" until it does.

export function CaiApp() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [endpoints, setEndpoints] = useState<Endpoints | null>(null);

  // After the first render: the page's origin and storage exist only in the browser.
  useEffect(() => {
    setEndpoints(resolveEndpoints(frontendSettings(), window.location.origin));
    setSession(loadSession(window.localStorage));
  }, []);

  // A token that expires while the app is open sends the user back to the sign-in form.
  useEffect(() => {
    if (session?.kind !== 'user') return;
    const remaining = Date.parse(session.expiresAt) - Date.now();
    const timer = setTimeout(
      () => {
        if (isExpired(session)) {
          clearSession(window.localStorage);
          setSession(null);
        }
      },
      Math.min(Math.max(remaining, 0) + 1000, 2 ** 31 - 1),
    );
    return () => clearTimeout(timer);
  }, [session]);

  const signedIn = useCallback((next: Session) => {
    saveSession(window.localStorage, next);
    setSession(next);
  }, []);

  const signOut = useCallback(() => {
    clearSession(window.localStorage);
    setSession(null);
  }, []);

  if (session === undefined || endpoints === null) {
    return (
      <main className="loading" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  if (session === null) return <SignInForm endpoints={endpoints} onSignedIn={signedIn} />;
  return <Workspace session={session} endpoints={endpoints} onSignOut={signOut} />;
}
