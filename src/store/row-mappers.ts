import type { Selectable } from 'kysely';
import type {
  ApiKeyRecord,
  Conversation,
  LimitName,
  Message,
  MessageRole,
  MessageStatus,
  Tenant,
  Usage,
} from '../core/domain.ts';
import type { ApiKeysTable, ConversationsTable, MessagesTable, TenantsTable } from './database.ts';

// Rows (snake_case, JSON as text) → domain objects (camelCase, parsed JSON).

export function toTenant(row: Selectable<TenantsTable>): Tenant {
  return {
    id: row.id,
    name: row.name,
    limits: JSON.parse(row.limits) as Partial<Record<LimitName, number>>,
    createdAt: row.created_at,
  };
}

export function toApiKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    prefix: row.prefix,
    hash: row.hash,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export function toConversation(row: Selectable<ConversationsTable>): Conversation {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    title: row.title,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toMessage(row: Selectable<MessagesTable>): Message {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    conversationId: row.conversation_id,
    role: row.role as MessageRole,
    content: row.content,
    status: row.status as MessageStatus,
    model: row.model,
    usage: row.usage === null ? null : (JSON.parse(row.usage) as Usage),
    clientMessageId: row.client_message_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
