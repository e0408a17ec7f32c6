// What a protocol module sees of one WebSocket connection (STYLE.md 6): a small interface, so
// protocol logic is tested with fakes and the `ws` adapter stays thin (ws-connection.ts).

export interface ProtocolSocket {
  /**
   * Sends one JSON text frame. Never throws: on a closed socket it does nothing. The adapter
   * enforces backpressure: once more than WS_MAX_BUFFERED_BYTES (1 MiB) wait for a client that
   * stopped reading, the connection is closed with 1013 instead of buffering more.
   */
  sendJson(message: unknown): void;
  /** Closes with a WebSocket close code (1000 normal, 1008 policy, 1009 too big, 1011 internal, 1013 try later, 4xxx protocol-defined). */
  close(code: number, reason?: string): void;
  readonly isOpen: boolean;
}
