import { describe, expect, it } from 'vitest';
import { ConversationOnFirstTurn } from './conversation-on-first-turn.ts';

describe('ConversationOnFirstTurn', () => {
  it('asks the first turn to store the conversation and the later ones only to append', async () => {
    const conversation = new ConversationOnFirstTurn();
    const asked: boolean[] = [];
    const start = (storeConversation: boolean) => {
      asked.push(storeConversation);
      return Promise.resolve(storeConversation);
    };
    expect(await conversation.start(start)).toBe(true);
    expect(await conversation.start(start)).toBe(false);
    expect(asked).toEqual([true, false]);
  });

  it('makes a turn wait while the first one is storing the conversation', async () => {
    const conversation = new ConversationOnFirstTurn();
    let finishFirst!: () => void;
    const order: string[] = [];
    const first = conversation.start(
      (storeConversation) =>
        new Promise<boolean>((resolve) => {
          order.push(`first ${storeConversation}`);
          finishFirst = () => resolve(storeConversation);
        }),
    );
    const second = conversation.start(async (storeConversation) => {
      order.push(`second ${storeConversation}`);
      return storeConversation;
    });
    await Promise.resolve();
    expect(order).toEqual(['first true']);
    finishFirst();
    expect(await first).toBe(true);
    expect(await second).toBe(false);
    expect(order).toEqual(['first true', 'second false']);
  });

  it('leaves the conversation to the next turn when the first is refused', async () => {
    const conversation = new ConversationOnFirstTurn();
    const refused = conversation.start(() => Promise.reject(new Error('refused')));
    const next = conversation.start(async (storeConversation) => storeConversation);
    await expect(refused).rejects.toThrow('refused');
    expect(await next).toBe(true);
    expect(await conversation.start(async (storeConversation) => storeConversation)).toBe(false);
  });
});
