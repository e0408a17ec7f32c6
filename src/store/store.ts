import type {
  ApiKeyRecord,
  Conversation,
  LimitName,
  Message,
  MessageRole,
  MessageStatus,
  Page,
  PageResult,
  Scope,
  Tenant,
  Usage,
} from '../core/domain.ts';

// The Store port. Every tenant-owned read and write takes a Scope; a row of another tenant (or,
// for a user-scoped caller, of another user) is simply not found, so callers answer 404.

export interface NewConversation {
  /** Optional: a caller may choose the id (doc 003 sessions); otherwise the store makes one. */
  id?: string;
  userId: string | null;
  title?: string | null;
  metadata?: Record<string, unknown>;
}

export interface NewMessage {
  /** Optional: the engine picks the assistant message's id before the stream starts. */
  id?: string;
  conversationId: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model?: string | null;
  usage?: Usage | null;
  clientMessageId?: string | null;
}

export interface AppendResult {
  message: Message;
  /** false when `clientMessageId` was seen before in this conversation: `message` is the stored one. */
  created: boolean;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  // Tenants and credentials (not scoped: they define the scope).
  /** `id` only for a built-in tenant with a well-known id (the voice socket's `anonymous`); else made here. */
  createTenant(input: { name: string; id?: string }): Promise<Tenant>;
  getTenant(tenantId: string): Promise<Tenant | undefined>;
  setTenantLimit(tenantId: string, name: LimitName, value: number | null): Promise<Tenant | undefined>;
  createApiKey(input: { tenantId: string; prefix: string; hash: string }): Promise<ApiKeyRecord>;
  findApiKeyByPrefix(prefix: string): Promise<ApiKeyRecord | undefined>;
  /** Marks the key revoked; answers the key as it now is, or undefined when there is no such key. */
  revokeApiKey(keyId: string): Promise<ApiKeyRecord | undefined>;
  /** Which of these key ids are revoked (unknown ids are left out): open sockets of a revoked key are closed. */
  revokedApiKeyIds(keyIds: string[]): Promise<string[]>;

  /** First sight of a user creates it (doc 004's `user_created`). */
  ensureUser(tenantId: string, userId: string): Promise<{ created: boolean }>;

  createConversation(scope: Scope, input: NewConversation): Promise<Conversation>;
  getConversation(scope: Scope, conversationId: string): Promise<Conversation | undefined>;
  listConversations(scope: Scope, filter: { userId?: string }, page: Page): Promise<PageResult<Conversation>>;
  /** Removes the conversation and its messages; false when it was not found in scope. */
  deleteConversation(scope: Scope, conversationId: string): Promise<boolean>;

  /** Stores a message and bumps the conversation's `updatedAt`. Idempotent on `clientMessageId`. */
  appendMessage(scope: Scope, input: NewMessage): Promise<AppendResult>;
  /**
   * Creates a conversation with its first message, in one transaction: both are stored or
   * neither (a turn that opens a conversation). CONFLICT when an id is taken.
   */
  createConversationWithMessage(
    scope: Scope,
    input: { conversation: NewConversation; message: Omit<NewMessage, 'conversationId'> },
  ): Promise<{ conversation: Conversation; message: Message }>;
  /**
   * Rewrites a stored message's content and status: an assistant reply that was stored complete
   * and then cut off while still being delivered (a voice reply still being spoken). The message
   * keeps its id and place. Answers the updated message; undefined when it is not in scope.
   */
  amendMessage(
    scope: Scope,
    input: { conversationId: string; messageId: string; content: string; status: MessageStatus },
  ): Promise<Message | undefined>;
  listMessages(scope: Scope, conversationId: string, page: Page): Promise<PageResult<Message>>;
  /** The newest `limit` messages, oldest first: the engine's history window. */
  recentMessages(scope: Scope, conversationId: string, limit: number): Promise<Message[]>;

  /** Cheap round trip, for /health. Rejects when storage is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
