'use client';

import { useCallback, useEffect, useState } from 'react';
import { CaiSocket } from '../../../packages/sdk/src/index.ts';
import type { Endpoints } from '../endpoints.ts';
import { describeError, needsNewSignIn } from '../friendly-error.ts';
import type { UserSession } from '../session.ts';

// The chat socket (doc 000, `WS /`): one per signed-in user, shared by every conversation (each
// completion names its conversation and model). The SDK reconnects and resumes by itself; this
// hook turns its events into a status the user can see.

export type ConnectionStatus =
  | { kind: 'connecting' }
  | { kind: 'open' }
  | { kind: 'reconnecting'; attempt: number }
  /** Back after a drop, with the messages missed meanwhile replayed. */
  | { kind: 'resumed'; replayed: number }
  /** Back, but the server no longer had the session: replies in flight are read from history. */
  | { kind: 'resume-failed' }
  | { kind: 'closed'; message: string; signInAgain: boolean };

export interface ChatConnection {
  socket: CaiSocket | null;
  status: ConnectionStatus;
  /** Counts lost sessions, so views can reload what they were streaming. */
  resumeFailures: number;
  reconnect(): void;
}

export function useChatConnection(options: { session: UserSession; endpoints: Endpoints }): ChatConnection {
  const { session, endpoints } = options;
  const [socket, setSocket] = useState<CaiSocket | null>(null);
  const [status, setStatus] = useState<ConnectionStatus>({ kind: 'connecting' });
  const [resumeFailures, setResumeFailures] = useState(0);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const created = new CaiSocket({
      url: endpoints.chatSocketUrl,
      token: session.token,
      orgId: session.tenantId,
    });
    let active = true;
    const update = (next: ConnectionStatus) => {
      if (active) setStatus(next);
    };
    created.on('reconnecting', ({ attempt }) => update({ kind: 'reconnecting', attempt }));
    created.on('resumed', ({ replayed }) => update({ kind: 'resumed', replayed }));
    created.on('resume-failed', () => {
      update({ kind: 'resume-failed' });
      if (active) setResumeFailures((count) => count + 1);
    });
    created.on('closed', ({ error }) => {
      if (error !== undefined) {
        update({ kind: 'closed', message: describeError(error), signInAgain: needsNewSignIn(error) });
      }
    });
    created.on('error', (error) => {
      if (endpoints.debug) console.debug('chat socket error', error.code, error.message);
    });
    if (endpoints.debug) created.on('frame', (frame) => console.debug('chat frame', frame['type']));
    setSocket(created);
    update({ kind: 'connecting' });
    created.connect().then(
      () => update({ kind: 'open' }),
      (error: unknown) =>
        update({ kind: 'closed', message: describeError(error), signInAgain: needsNewSignIn(error) }),
    );
    return () => {
      active = false;
      created.close();
    };
  }, [endpoints.chatSocketUrl, endpoints.debug, session.token, session.tenantId, generation]);

  const reconnect = useCallback(() => setGeneration((value) => value + 1), []);
  return { socket, status, resumeFailures, reconnect };
}
