import type { Usage } from './domain.ts';

// The one event stream the conversation engine emits for a turn. Every wire protocol is a
// translation of it (STYLE.md 2: small events with noun-verb names).

export type TurnFinishReason = 'stop' | 'length' | 'interrupted' | 'error';

export type TurnEvent =
  | {
      type: 'turn-start';
      conversationId: string;
      userMessageId: string;
      assistantMessageId: string;
      model: string;
    }
  | { type: 'text-delta'; text: string }
  | { type: 'sentence'; index: number; text: string }
  | {
      type: 'turn-end';
      finishReason: TurnFinishReason;
      /** The whole reply as sent: the concatenation of every text-delta. */
      text: string;
      /** What was stored (shorter than `text` when an interrupt truncated it to what was heard). */
      storedText: string;
      usage: Usage | null;
      model: string;
      /** Set when finishReason is 'error'. */
      error?: { code: string; message: string };
    };
