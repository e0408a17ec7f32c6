import type { Message } from './domain.ts';
import type { TurnEvent } from './turn-events.ts';

export type TurnEndEvent = Extract<TurnEvent, { type: 'turn-end' }>;

/** What every turn offers, so a transport can iterate and interrupt without asking which kind it got. */
interface TurnBase {
  readonly conversationId: string;
  /** The stored user message (for a duplicate: the one stored the first time). */
  readonly userMessage: Message;
  /**
   * turn-start, text-delta…, sentence…, turn-end; single consumer. Stopping the iteration
   * early (`break`) interrupts the turn.
   */
  readonly events: AsyncIterable<TurnEvent>;
  /** Barge-in: aborts the model call at once; the turn ends with finishReason 'interrupted'. */
  interrupt(): void;
  /** The client has played sentence `index` (doc 000's SENTENCE_COMPLETED). */
  acknowledgeSentence(index: number): void;
}

/** A turn answered by the model now. */
export interface LiveTurn extends TurnBase {
  readonly duplicate: false;
  readonly assistantMessageId: string;
  /** The model's name (`provider:model`). */
  readonly model: string;
  /** The turn-end event, once the assistant message is stored (or its storing failed). Never rejects. */
  readonly ended: Promise<TurnEndEvent>;
  /**
   * The reply was cut off while still being delivered (a voice reply being spoken, which goes on
   * after the model has finished): whether the model was still writing or not, the stored reply
   * becomes `interrupted` and holds only the acknowledged sentences (none: empty), since what was
   * sent but not acknowledged was not heard. Resolves once that is stored.
   */
  interruptDelivery(): Promise<void>;
}

/**
 * A resend of a `clientMessageId` already stored in this conversation (doc 004 idempotency):
 * nothing is stored, the model is not called, and `events` is empty.
 */
export interface DuplicateTurn extends TurnBase {
  readonly duplicate: true;
  /** The assistant message that answered it, when that turn has ended; undefined while it runs. */
  readonly reply: Message | undefined;
}

export type Turn = LiveTurn | DuplicateTurn;
