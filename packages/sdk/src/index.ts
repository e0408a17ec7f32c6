// @cai/sdk: a typed client for cai's REST API, its CAI WebSocket protocol (doc 000) and its
// streaming chat protocol (doc 004), for Node 20+ and browsers. See docs/sdk.md.

export { CaiClient, type CaiClientOptions, type CallOptions } from './rest-client.ts';
export type * from './rest-types.ts';
export {
  CaiSocket,
  type CaiSocketOptions,
  type CaiSocketEvents,
  type CompleteOptions,
} from './cai-socket.ts';
export { Completion, type CompletionEvent, type CompletionResult } from './completion.ts';
export {
  ChatStreamSocket,
  type ChatStreamSocketOptions,
  type ChatStreamSocketEvents,
} from './chat-stream-socket.ts';
export { ChatReply, type ChatReplyResult } from './chat-reply.ts';
export { CaiSocketPool, type CaiSocketPoolOptions } from './cai-socket-pool.ts';
export type { ReconnectOptions, ConnectionState } from './resumable-connection.ts';
export type { RetryOptions } from './retry-policy.ts';
export type { WebSocketConstructor, WebSocketLike } from './websocket.ts';
export {
  CaiError,
  AuthError,
  RateLimitError,
  ValidationError,
  NotFoundError,
  ConflictError,
  ModelError,
  ServerError,
  ResumeFailedError,
  ConnectionError,
  isCaiError,
  SERVER_ERROR_CODES,
  CLIENT_ERROR_CODES,
  type CaiErrorCode,
  type ServerErrorCode,
  type ClientErrorCode,
} from './errors.ts';
export { backoffDelayMs, parseRetryAfter } from './backoff.ts';
export { readServerSentEvents, type ServerSentEvent } from './server-sent-events.ts';
