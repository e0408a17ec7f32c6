'use client';

import { useState } from 'react';
import type { Chat } from '../../../packages/sdk/src/index.ts';
import { displayTitle } from '../../lib/chat/chat-title.ts';
import type { ConversationList as ConversationListState } from '../../lib/chat/use-conversation-list.ts';
import { describeError } from '../../lib/friendly-error.ts';

// The user's conversations, newest first: open one, start a new one, delete one (asked twice,
// since a deleted conversation cannot come back).

export function ConversationList(props: {
  list: ConversationListState;
  selectedId: string | null;
  onSelect(chatId: string | null): void;
}) {
  const { list, selectedId, onSelect } = props;
  const [confirming, setConfirming] = useState<string | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const remove = async (chat: Chat) => {
    setConfirming(null);
    try {
      await list.remove(chat.id);
      setDeleteError(null);
      if (chat.id === selectedId) onSelect(null);
    } catch (error) {
      setDeleteError(`Could not delete "${displayTitle(chat)}": ${describeError(error)}`);
    }
  };

  return (
    <nav className="conversation-list" aria-label="Conversations">
      <button type="button" className="button primary new-chat" onClick={() => onSelect(null)}>
        New chat
      </button>
      {list.error && (
        <p className="error-text" role="alert">
          {list.error}{' '}
          <button type="button" className="link-button" onClick={list.refresh}>
            Try again
          </button>
        </p>
      )}
      {deleteError && (
        <p className="error-text" role="alert">
          {deleteError}
        </p>
      )}
      <ul>
        {list.chats.map((chat) => {
          const title = displayTitle(chat);
          const selected = chat.id === selectedId;
          return (
            <li key={chat.id} className={selected ? 'selected' : undefined} data-chat-id={chat.id}>
              <button
                type="button"
                className="conversation-open"
                aria-current={selected ? 'page' : undefined}
                onClick={() => onSelect(chat.id)}
              >
                {title}
              </button>
              {confirming === chat.id ? (
                <span className="confirm-delete">
                  <button type="button" className="button danger" onClick={() => void remove(chat)}>
                    Delete
                  </button>
                  <button type="button" className="button" onClick={() => setConfirming(null)}>
                    Keep
                  </button>
                </span>
              ) : (
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Delete conversation: ${title}`}
                  title="Delete"
                  onClick={() => setConfirming(chat.id)}
                >
                  <span aria-hidden="true">×</span>
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {list.loading && <p className="muted">Loading…</p>}
      {!list.loading && list.chats.length === 0 && !list.error && (
        <p className="muted">No conversations yet.</p>
      )}
      {list.hasMore && !list.loading && (
        <button type="button" className="button" onClick={list.loadMore}>
          Show older conversations
        </button>
      )}
    </nav>
  );
}
