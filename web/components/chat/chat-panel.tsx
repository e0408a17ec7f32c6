'use client';

import { useCallback, useMemo } from 'react';
import { CaiClient, type Chat } from '../../../packages/sdk/src/index.ts';
import { useChatConnection } from '../../lib/chat/use-chat-connection.ts';
import { useChatThread } from '../../lib/chat/use-chat-thread.ts';
import { useConversationList } from '../../lib/chat/use-conversation-list.ts';
import type { Endpoints } from '../../lib/endpoints.ts';
import { useStoredChoice } from '../../lib/stored-choice.ts';
import type { UserSession } from '../../lib/session.ts';
import { ChatThread } from './chat-thread.tsx';
import { ConnectionBanner } from './connection-banner.tsx';
import { ConversationList } from './conversation-list.tsx';
import { ModelPicker } from './model-picker.tsx';

// Text chat: the conversation list beside the open conversation, over REST (doc 004's chats) and
// the chat socket (doc 000), which streams replies, stops them, and resumes after a dropped connection.

export function ChatPanel(props: {
  session: UserSession;
  endpoints: Endpoints;
  chatId: string | null;
  onSelectChat(chatId: string | null): void;
  onSignInAgain(): void;
}) {
  const { session, endpoints, chatId, onSelectChat } = props;
  const client = useMemo(
    () => new CaiClient({ baseUrl: endpoints.httpBase, token: session.token }),
    [endpoints.httpBase, session.token],
  );
  const connection = useChatConnection({ session, endpoints });
  const conversations = useConversationList({ client, userId: session.userId });
  const [model, setModel] = useStoredChoice('cai.model');
  const { added } = conversations;
  const onChatCreated = useCallback(
    (chat: Chat) => {
      added(chat);
      onSelectChat(chat.id);
    },
    [added, onSelectChat],
  );
  const thread = useChatThread({ client, socket: connection.socket, chatId, model, onChatCreated });
  // While connecting or reconnecting a message waits in the SDK and goes out once connected.
  const connected = connection.status.kind !== 'closed';

  return (
    <div className="chat-panel">
      <ConversationList list={conversations} selectedId={chatId} onSelect={onSelectChat} />
      <div className="chat-main">
        <div className="chat-toolbar">
          <ModelPicker
            httpBase={endpoints.httpBase}
            token={session.token}
            value={model}
            onChange={setModel}
          />
        </div>
        <ConnectionBanner
          status={connection.status}
          onReconnect={connection.reconnect}
          onSignInAgain={props.onSignInAgain}
        />
        <ChatThread thread={thread} connected={connected} />
      </div>
    </div>
  );
}
