import type { ServerResponse } from 'node:http';
import type { Turn } from '../../core/conversation-engine.ts';

// A client that goes away mid-turn interrupts the turn: the model call is aborted and the reply
// stored as interrupted. Watched through the response's 'close' and handed to the turn as a call
// to interrupt(), not through an AbortController: an AbortSignal is an EventTarget with a hidden
// class of its own, about half a KiB held by every request in flight, and a turn already has one.

export class ClientGone {
  #gone = false;
  #turn: Pick<Turn, 'interrupt'> | undefined;

  /** Watches `response`: its 'close' before it finished means the client left. */
  constructor(response: ServerResponse) {
    response.on('close', () => {
      if (!response.writableFinished) this.leave();
    });
  }

  get gone(): boolean {
    return this.#gone;
  }

  /**
   * For startTurn: an aborted signal when the client already left (the turn then stores its
   * message and stops before the model call), none otherwise.
   */
  signalBeforeStart(): AbortSignal | undefined {
    return this.#gone ? AbortSignal.abort() : undefined;
  }

  /** The turn to interrupt from now on; at once if the client left while it was starting. */
  watch(turn: Pick<Turn, 'interrupt'>): void {
    this.#turn = turn;
    if (this.#gone) turn.interrupt();
  }

  /** The client left (the response closed early, or a write to it failed). */
  leave(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#turn?.interrupt();
  }
}
