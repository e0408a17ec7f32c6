'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import {
  ResumeFailedError,
  type CaiClient,
  type CaiSocket,
  type Chat,
  type ChatMessage,
  type Completion,
} from '../../../packages/sdk/src/index.ts';
import { describeError } from '../friendly-error.ts';
import { randomId } from '../random-id.ts';
import { titleFromMessage } from './chat-title.ts';

// One conversation: its stored history (doc 004's paginated `GET …/messages`, newest page first,
// earlier pages on demand) followed by the turns of this visit, whose replies stream in token by
// token over the chat socket and can be stopped.

export const HISTORY_PAGE_SIZE = 30;

export type TurnStatus = 'sending' | 'streaming' | 'complete' | 'interrupted' | 'error';

export interface LiveTurn {
  key: string;
  userText: string;
  replyText: string;
  status: TurnStatus;
  /** How many pieces the reply arrived in (shown to tests as data-chunks). */
  chunkCount: number;
  error: string | null;
  /** A finish worth telling the user about (cut off at the length limit). */
  note: string | null;
}

export interface ChatThread {
  chatId: string | null;
  history: ChatMessage[];
  hasEarlier: boolean;
  loadingHistory: boolean;
  historyError: string | null;
  turns: LiveTurn[];
  /** A reply is being sent or streamed. */
  busy: boolean;
  send(text: string): void;
  stop(): void;
  loadEarlier(): void;
}

interface History {
  chatId: string | null;
  messages: ChatMessage[];
  /** The conversation's size when first loaded: earlier pages are counted from its start. */
  total: number;
  loading: boolean;
  error: string | null;
}

const emptyHistory = (chatId: string | null): History => ({
  chatId,
  messages: [],
  total: 0,
  loading: chatId !== null,
  error: null,
});

export function useChatThread(options: {
  client: CaiClient;
  socket: CaiSocket | null;
  chatId: string | null;
  model: string | null;
  onChatCreated(chat: Chat): void;
}): ChatThread {
  const { client, socket, chatId, model, onChatCreated } = options;
  const [history, setHistory] = useState<History>(() => emptyHistory(chatId));
  const [turns, setTurns] = useState<LiveTurn[]>([]);
  const [reloads, setReloads] = useState(0);
  const completion = useRef<Completion | null>(null);
  /** The conversation this view just created: it has no history to load, and its turn is live. */
  const createdHere = useRef<string | null>(null);

  useEffect(() => {
    if (chatId !== null && chatId === createdHere.current) {
      createdHere.current = null;
      return;
    }
    setHistory(emptyHistory(chatId));
    setTurns([]);
    completion.current = null;
    if (chatId === null) return;
    const controller = new AbortController();
    client.listMessages(chatId, { order: 'desc', limit: HISTORY_PAGE_SIZE, signal: controller.signal }).then(
      (page) =>
        setHistory({
          chatId,
          messages: [...page.messages].reverse(),
          total: page.total,
          loading: false,
          error: null,
        }),
      (error: unknown) => {
        if (!controller.signal.aborted) {
          setHistory({ ...emptyHistory(chatId), loading: false, error: describeError(error) });
        }
      },
    );
    return () => controller.abort();
  }, [client, chatId, reloads]);

  const loadEarlier = useCallback(() => {
    const current = history;
    if (current.chatId === null || current.loading) return;
    const remaining = current.total - current.messages.length;
    if (remaining <= 0) return;
    // Oldest-first offsets do not move as new messages are added at the end.
    const offset = Math.max(0, remaining - HISTORY_PAGE_SIZE);
    setHistory({ ...current, loading: true });
    client.listMessages(current.chatId, { order: 'asc', offset, limit: remaining - offset }).then(
      (page) =>
        setHistory((latest) =>
          latest.chatId === current.chatId
            ? { ...latest, messages: [...page.messages, ...latest.messages], loading: false, error: null }
            : latest,
        ),
      (error: unknown) =>
        setHistory((latest) => ({ ...latest, loading: false, error: describeError(error) })),
    );
  }, [client, history]);

  const updateTurn = useCallback((key: string, change: (turn: LiveTurn) => LiveTurn) => {
    setTurns((all) => all.map((turn) => (turn.key === key ? change(turn) : turn)));
  }, []);

  const send = useCallback(
    (text: string) => {
      const content = text.trim();
      if (content === '' || socket === null || completion.current !== null) return;
      const key = randomId();
      setTurns((all) => [
        ...all,
        { key, userText: content, replyText: '', status: 'sending', chunkCount: 0, error: null, note: null },
      ]);
      void (async () => {
        try {
          let conversationId = history.chatId;
          if (conversationId === null) {
            const chat = await client.createChat({ title: titleFromMessage(content) });
            conversationId = chat.id;
            createdHere.current = chat.id;
            setHistory({ ...emptyHistory(chat.id), loading: false });
            onChatCreated(chat);
          }
          const running = socket.complete(content, {
            conversationId,
            requestId: randomId(),
            ...(model === null ? {} : { model }),
          });
          completion.current = running;
          updateTurn(key, (turn) => ({ ...turn, status: 'streaming' }));
          for await (const event of running) {
            if (event.type !== 'chunk') continue;
            updateTurn(key, (turn) => ({
              ...turn,
              replyText: turn.replyText + event.text,
              chunkCount: turn.chunkCount + 1,
            }));
          }
          const result = await running.result;
          updateTurn(key, (turn) => ({
            ...turn,
            replyText: result.text,
            status: result.finishReason === 'interrupted' ? 'interrupted' : 'complete',
            note: result.finishReason === 'length' ? 'The reply was cut off at its length limit.' : null,
          }));
        } catch (error) {
          updateTurn(key, (turn) => ({ ...turn, status: 'error', error: describeError(error) }));
          // The session was lost: what the server kept of the reply is in the stored history.
          if (error instanceof ResumeFailedError) setReloads((count) => count + 1);
        } finally {
          completion.current = null;
        }
      })();
    },
    [client, socket, model, history.chatId, onChatCreated, updateTurn],
  );

  const stop = useCallback(() => completion.current?.interrupt(), []);

  const busy = turns.some((turn) => turn.status === 'sending' || turn.status === 'streaming');
  return {
    chatId: history.chatId,
    history: history.messages,
    hasEarlier: history.total > history.messages.length,
    loadingHistory: history.loading,
    historyError: history.error,
    turns,
    busy,
    send,
    stop,
    loadEarlier,
  };
}
