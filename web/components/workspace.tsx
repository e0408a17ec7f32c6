'use client';

import { useHashRoute } from '../lib/hash-route.ts';
import type { Endpoints } from '../lib/endpoints.ts';
import type { Session } from '../lib/session.ts';
import { ChatPanel } from './chat/chat-panel.tsx';
import { VoicePanel } from './voice/voice-panel.tsx';

// The signed-in app: a header with the two views (chat, voice) and the user's name.

export function Workspace(props: { session: Session; endpoints: Endpoints; onSignOut(): void }) {
  const { session, endpoints } = props;
  const [route, navigate] = useHashRoute();
  // Text chat needs a user: anonymous sessions only talk.
  const view = session.kind === 'anonymous' ? 'voice' : route.view;

  return (
    <div className="workspace">
      <header className="app-header">
        <span className="app-name">cai</span>
        <nav aria-label="Views" className="view-tabs">
          {session.kind === 'user' && (
            <a
              href="#chat"
              aria-current={view === 'chat' ? 'page' : undefined}
              onClick={(event) => {
                event.preventDefault();
                navigate({ view: 'chat', chatId: route.view === 'chat' ? route.chatId : null });
              }}
            >
              Chat
            </a>
          )}
          <a href="#voice" aria-current={view === 'voice' ? 'page' : undefined}>
            Voice
          </a>
        </nav>
        <span className="user-name">{session.kind === 'user' ? session.userId : 'Not signed in'}</span>
        <button type="button" className="button" onClick={props.onSignOut}>
          {session.kind === 'user' ? 'Sign out' : 'Sign in'}
        </button>
      </header>
      <main className="workspace-main">
        {view === 'voice' || session.kind === 'anonymous' ? (
          <VoicePanel session={session} endpoints={endpoints} />
        ) : (
          <ChatPanel
            session={session}
            endpoints={endpoints}
            chatId={route.view === 'chat' ? route.chatId : null}
            onSelectChat={(chatId) => navigate({ view: 'chat', chatId })}
            onSignInAgain={props.onSignOut}
          />
        )}
      </main>
    </div>
  );
}
