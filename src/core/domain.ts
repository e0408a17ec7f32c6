// The data model of DESIGN.md ("One model underneath"): one table, one id space per concept,
// whatever protocol created the row.

export interface Tenant {
  id: string;
  name: string;
  /** Per-tenant overrides of the limit defaults (`cai tenant limits`); absent names use the defaults. */
  limits: Partial<Record<LimitName, number>>;
  createdAt: string;
}

export const LIMIT_NAMES = [
  'LIMIT_REST_PER_MINUTE',
  'LIMIT_WS_MESSAGES_PER_SECOND',
  'LIMIT_CONNECTIONS_PER_TENANT',
  'LIMIT_SIGNALING_PER_COMPANY',
  'LIMIT_ANON_CONNECTIONS_PER_IP',
  'LIMIT_ANON_REQUESTS_PER_MINUTE',
  'LIMIT_AI_REQUESTS_PER_WEEK',
] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  /** Public, indexed part of the key: how a presented key is found without scanning. */
  prefix: string;
  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  hash: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface User {
  tenantId: string;
  id: string;
  createdAt: string;
}

export interface Conversation {
  id: string;
  tenantId: string;
  userId: string | null;
  title: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export type MessageRole = 'system' | 'user' | 'assistant';
export type MessageStatus = 'complete' | 'interrupted' | 'error';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export interface Message {
  id: string;
  tenantId: string;
  conversationId: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model: string | null;
  usage: Usage | null;
  /** The client's idempotency key (doc 004's `client_message_id`), unique per conversation. */
  clientMessageId: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Who is asking. Every tenant-owned read and write takes one: an API key sees the whole
 * tenant, a JWT (which carries `userId`) only its own user's conversations.
 */
export interface Scope {
  tenantId: string;
  userId?: string;
}

export interface Page {
  offset: number;
  limit: number;
  order: 'asc' | 'desc';
}

export interface PageResult<T> {
  items: T[];
  total: number;
}
