// A doc 000 connection's own conversation is stored by the first turn that uses it, in the turn's
// own transaction (the engine's `newConversation`): one commit instead of two, and no read of a
// history that cannot exist yet (~10% of a WebSocket stream's start). Until that turn has stored
// it, later turns on the connection wait; a turn refused before storing anything (an empty prompt,
// an unknown model, a failed write) leaves the conversation to the next one.

const ignoreFailure = () => undefined;

export class ConversationOnFirstTurn {
  #stored = false;
  /** The turn that is storing the conversation, while it runs. */
  #storing: Promise<unknown> | undefined;

  /**
   * Runs `startTurn`, told whether it must store the conversation with its message (`true`: it
   * does not exist yet) or only append to it.
   */
  async start<Value>(startTurn: (storeConversation: boolean) => Promise<Value>): Promise<Value> {
    // A loop: a waiter may find that the turn it waited for stored nothing, and another started.
    while (this.#storing !== undefined) await this.#storing.catch(ignoreFailure);
    if (this.#stored) return startTurn(false);
    const storing = startTurn(true);
    this.#storing = storing;
    try {
      const value = await storing;
      this.#stored = true;
      return value;
    } finally {
      this.#storing = undefined;
    }
  }
}
