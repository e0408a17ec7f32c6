import { createStore } from '../../src/store/create-store.ts';

// Conversations with a given number of stored messages, written straight through cai's own Store
// into its database before the server starts: alternating user and assistant messages of about
// 120 characters each, so that the budgeted window (HISTORY_MAX_MESSAGES) fills long before the
// character budget does.

export interface SeededConversation {
  conversationId: string;
  size: number;
  /** The stored messages' text, oldest first (the direct baseline sends the same window). */
  contents: string[];
}

export function seededContent(index: number): string {
  const role = index % 2 === 0 ? 'user' : 'assistant';
  return `Stored ${role} message number ${index} of the benchmark conversation, long enough to look like a sentence or two of chat.`;
}

export async function seedConversations(options: {
  databaseUrl: string;
  tenantId: string;
  sizes: readonly number[];
}): Promise<SeededConversation[]> {
  const store = await createStore({ url: options.databaseUrl });
  const scope = { tenantId: options.tenantId };
  try {
    const seeded: SeededConversation[] = [];
    for (const size of options.sizes) {
      const conversation = await store.createConversation(scope, {
        userId: null,
        title: `${size} stored messages`,
      });
      const contents: string[] = [];
      for (let index = 0; index < size; index += 1) {
        const content = seededContent(index);
        await store.appendMessage(scope, {
          conversationId: conversation.id,
          role: index % 2 === 0 ? 'user' : 'assistant',
          content,
          status: 'complete',
        });
        contents.push(content);
      }
      seeded.push({ conversationId: conversation.id, size, contents });
    }
    return seeded;
  } finally {
    await store.close();
  }
}
