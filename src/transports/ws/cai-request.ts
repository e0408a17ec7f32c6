import type { LiveTurn, Turn, TurnEndEvent } from '../../core/conversation-engine.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import type { TurnEvent } from '../../core/turn-events.ts';
import type { Metrics } from '../../metrics.ts';
import type { ActiveTurns } from '../active-turns.ts';
import { caiError } from './cai-errors.ts';
import type { Pace } from './cai-messages.ts';
import type { PacedOutput } from './cai-sentence-pacer.ts';
import { SentencePacer } from './cai-sentence-pacer.ts';

// One COMPLETION of doc 000: engine events in, COMPLETION_STARTED, COMPLETION_CHUNK…, SENTENCE…,
// COMPLETION_ENDED out, all under the request's requestId. It lives until COMPLETION_ENDED is sent
// (with pace "sentence" that can be after the model finished), so until then INTERRUPTED,
// SENTENCE_COMPLETED and AWAIT_MORE find it.

export interface CaiRequestOptions {
  requestId: string;
  pace: Pace;
  /** Sends one sequenced message of the session's stream. */
  send: (message: Record<string, unknown>) => void;
  metrics: Metrics;
  activeTurns: ActiveTurns;
  /** COMPLETION_ENDED (or the refusal) went out: the requestId is free again. */
  onFinished: () => void;
}

export class CaiRequest {
  readonly requestId: string;
  readonly #options: CaiRequestOptions;
  readonly #abort = new AbortController();
  readonly #pacer: SentencePacer | undefined;
  #turn: LiveTurn | undefined;
  /** Acknowledgements that arrived before the turn started. */
  readonly #earlyAcknowledged: number[] = [];
  #acknowledgedAny = false;
  #interrupted = false;
  /** The model's turn-end, held while paced sentences wait for AWAIT_MORE. */
  #heldEnd: TurnEndEvent | undefined;
  #finished = false;

  constructor(options: CaiRequestOptions) {
    this.requestId = options.requestId;
    this.#options = options;
    if (options.pace === 'sentence') this.#pacer = new SentencePacer((output) => this.#sendPaced(output));
  }

  /** Starts the turn (given the abort signal) and streams it; never rejects. */
  async run(startTurn: (signal: AbortSignal) => Promise<Turn>): Promise<void> {
    let turn: Turn;
    try {
      turn = await startTurn(this.#abort.signal);
      if (turn.duplicate) throw new AppError('CONFLICT', { message: 'This message was already answered.' });
    } catch (error) {
      this.#options.send({ ...caiError(toAppError(error), this.requestId) });
      this.#finish();
      return;
    }
    this.#turn = turn;
    for (const index of this.#earlyAcknowledged) turn.acknowledgeSentence(index);

    const { metrics, activeTurns } = this.#options;
    let streamed!: () => void;
    activeTurns.track(turn, new Promise<void>((resolve) => (streamed = resolve)));
    metrics.activeStreams.inc();
    try {
      for await (const event of turn.events) this.#onEvent(event);
    } finally {
      metrics.activeStreams.dec();
      streamed();
    }
  }

  /**
   * INTERRUPTED (barge-in), or the session expired: aborts the model call at once. With pace
   * "sentence", what was released counts as sent: unless the client acknowledged sentences, the
   * released ones are what the engine stores.
   */
  interrupt(): void {
    if (this.#finished || this.#interrupted) return;
    this.#interrupted = true;
    if (this.#pacer !== undefined && !this.#acknowledgedAny) {
      for (const index of this.#pacer.releasedSentences) this.#acknowledge(index);
    }
    this.#abort.abort();
    // The model had already finished and only the release was pending: end here.
    if (this.#heldEnd !== undefined) this.#end(this.#heldEnd);
  }

  /** SENTENCE_COMPLETED: the client has played sentence `index`. */
  acknowledgeSentence(index: number): void {
    this.#acknowledgedAny = true;
    this.#acknowledge(index);
  }

  /** AWAIT_MORE: with pace "sentence", one more sentence may go out; otherwise nothing to do. */
  awaitMore(): void {
    if (this.#pacer === undefined || this.#interrupted || this.#finished) return;
    this.#pacer.allowOne();
    this.#endIfReleased();
  }

  #acknowledge(index: number): void {
    if (this.#turn === undefined) this.#earlyAcknowledged.push(index);
    else this.#turn.acknowledgeSentence(index);
  }

  #onEvent(event: TurnEvent): void {
    const { send, metrics } = this.#options;
    switch (event.type) {
      case 'turn-start':
        send({ type: 'COMPLETION_STARTED', requestId: this.requestId, conversationId: event.conversationId });
        break;
      case 'text-delta':
        metrics.streamedTokens.inc();
        if (this.#pacer === undefined)
          send({ type: 'COMPLETION_CHUNK', requestId: this.requestId, text: event.text });
        else this.#pacer.addText(event.text);
        break;
      case 'sentence':
        if (this.#pacer === undefined) {
          send({ type: 'SENTENCE', requestId: this.requestId, index: event.index, text: event.text });
        } else if (!this.#interrupted) {
          this.#pacer.addSentence(event.index, event.text);
        }
        break;
      case 'turn-end':
        metrics.turns.inc({ finish_reason: event.finishReason });
        this.#heldEnd = event;
        if (this.#interrupted || event.finishReason === 'interrupted') this.#end(event);
        else this.#endIfReleased();
        break;
    }
  }

  #endIfReleased(): void {
    const end = this.#heldEnd;
    if (end === undefined) return;
    if (this.#pacer !== undefined) {
      if (this.#pacer.heldCount > 0) return;
      this.#pacer.releaseRest();
    }
    this.#end(end);
  }

  #end(event: TurnEndEvent): void {
    if (this.#finished) return;
    const { send } = this.#options;
    const finishReason = this.#interrupted ? 'interrupted' : event.finishReason;
    if (finishReason === 'error') {
      send({
        type: 'ERROR',
        code: 'MODEL_ERROR',
        message: event.error?.message ?? 'AI model processing error.',
        requestId: this.requestId,
      });
    }
    send({
      type: 'COMPLETION_ENDED',
      requestId: this.requestId,
      // What the client received: the concatenation of its chunks.
      text: this.#pacer === undefined ? event.text : this.#pacer.releasedText,
      finishReason,
      ...(event.usage === null ? {} : { usage: event.usage }),
    });
    this.#finish();
  }

  #sendPaced(output: PacedOutput): void {
    const { send } = this.#options;
    if (output.type === 'chunk')
      send({ type: 'COMPLETION_CHUNK', requestId: this.requestId, text: output.text });
    else send({ type: 'SENTENCE', requestId: this.requestId, index: output.index, text: output.text });
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#options.onFinished();
  }
}
