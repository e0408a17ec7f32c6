'use client';

import { useEffect, useRef } from 'react';
import type { ChatThread as ChatThreadState } from '../../lib/chat/use-chat-thread.ts';
import { Composer } from './composer.tsx';
import { MessageBubble } from './message-bubble.tsx';

// One conversation: earlier messages on demand, the stored history, this visit's turns streaming
// in, and the composer.

export function ChatThread(props: { thread: ChatThreadState; connected: boolean }) {
  const { thread, connected } = props;
  const end = useRef<HTMLDivElement>(null);
  const lastTurn = thread.turns.at(-1);

  // Follow the newest text as it streams in.
  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, [thread.history.length, thread.turns.length, lastTurn?.replyText]);

  const empty = thread.history.length === 0 && thread.turns.length === 0 && !thread.loadingHistory;
  return (
    <section className="chat-thread" aria-label="Conversation">
      <div className="messages" role="log" aria-live="polite" aria-relevant="additions text">
        {thread.hasEarlier && (
          <button
            type="button"
            className="button load-earlier"
            onClick={thread.loadEarlier}
            disabled={thread.loadingHistory}
          >
            Show earlier messages
          </button>
        )}
        {thread.loadingHistory && <p className="muted">Loading the conversation…</p>}
        {thread.historyError && (
          <p className="error-text" role="alert">
            {thread.historyError}
          </p>
        )}
        {empty && <p className="muted empty-thread">Start the conversation: write a message below.</p>}
        {thread.history.map((message) => (
          <MessageBubble
            key={message.id}
            role={message.role}
            text={message.content}
            status={message.status}
          />
        ))}
        {thread.turns.map((turn) => (
          <div key={turn.key} className="turn">
            <MessageBubble role="user" text={turn.userText} status="complete" />
            {turn.status !== 'sending' && (
              <MessageBubble
                role="assistant"
                text={turn.replyText}
                status={turn.status}
                chunkCount={turn.chunkCount}
                error={turn.error}
                note={turn.note}
              />
            )}
            {turn.status === 'sending' && <p className="muted">Sending…</p>}
          </div>
        ))}
        <div ref={end} />
      </div>
      <Composer
        busy={thread.busy}
        canSend={connected}
        cannotSendReason="Not connected: see the message above."
        onSend={thread.send}
        onStop={thread.stop}
      />
    </section>
  );
}
