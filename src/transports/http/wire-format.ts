import type { Conversation, Message } from '../../core/domain.ts';

// Domain rows → the snake_case JSON of doc 004 (shared by every REST and WebSocket protocol).

export function chatToWire(conversation: Conversation) {
  return {
    id: conversation.id,
    user_id: conversation.userId,
    title: conversation.title,
    metadata: conversation.metadata,
    created_at: conversation.createdAt,
    updated_at: conversation.updatedAt,
  };
}

export function messageToWire(message: Message) {
  return {
    id: message.id,
    chat_id: message.conversationId,
    role: message.role,
    content: message.content,
    status: message.status,
    model: message.model,
    usage: message.usage === null ? null : usageToWire(message.usage),
    client_message_id: message.clientMessageId,
    created_at: message.createdAt,
    updated_at: message.updatedAt,
  };
}

export function usageToWire(usage: { inputTokens: number; outputTokens: number; totalTokens: number }) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.totalTokens,
  };
}
