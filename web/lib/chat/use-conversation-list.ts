'use client';

import { useCallback, useEffect, useState } from 'react';
import type { CaiClient, Chat } from '../../../packages/sdk/src/index.ts';
import { describeError } from '../friendly-error.ts';

// The user's conversations (doc 004's `GET /api/v1/chats/user/{user_id}`), newest first, a page at
// a time, with deletion and the conversations this tab creates added at the top.

export const CONVERSATION_PAGE_SIZE = 20;

export interface ConversationList {
  chats: Chat[];
  hasMore: boolean;
  loading: boolean;
  error: string | null;
  loadMore(): void;
  refresh(): void;
  /** A conversation this tab just created: shown at once, without a reload. */
  added(chat: Chat): void;
  remove(chatId: string): Promise<void>;
}

export function useConversationList(options: { client: CaiClient; userId: string }): ConversationList {
  const { client, userId } = options;
  const [chats, setChats] = useState<Chat[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    client
      .listChats(userId, { limit: CONVERSATION_PAGE_SIZE, order: 'desc', signal: controller.signal })
      .then(
        (page) => {
          setChats(page.chats);
          setHasMore(page.has_more);
          setError(null);
        },
        (failure: unknown) => {
          if (!controller.signal.aborted) setError(describeError(failure));
        },
      )
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [client, userId, generation]);

  const loadMore = useCallback(() => {
    setLoading(true);
    client
      .listChats(userId, { limit: CONVERSATION_PAGE_SIZE, order: 'desc', offset: chats.length })
      .then(
        (page) => {
          // A conversation created meanwhile shifts the pages: skip what is already shown.
          setChats((shown) => [
            ...shown,
            ...page.chats.filter((chat) => !shown.some((known) => known.id === chat.id)),
          ]);
          setHasMore(page.has_more);
          setError(null);
        },
        (failure: unknown) => setError(describeError(failure)),
      )
      .finally(() => setLoading(false));
  }, [client, userId, chats.length]);

  const refresh = useCallback(() => setGeneration((value) => value + 1), []);

  const added = useCallback((chat: Chat) => {
    setChats((shown) => [chat, ...shown.filter((known) => known.id !== chat.id)]);
  }, []);

  const remove = useCallback(
    async (chatId: string) => {
      await client.deleteChat(chatId);
      setChats((shown) => shown.filter((chat) => chat.id !== chatId));
    },
    [client],
  );

  return { chats, hasMore, loading, error, loadMore, refresh, added, remove };
}
