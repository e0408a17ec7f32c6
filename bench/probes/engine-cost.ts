// CPU per token of cai's own pipeline (ResilientChatModel → ConversationEngine → turn events),
// with a model that yields its tokens one event-loop turn apart and no network: what cai costs
// beyond the provider hop. Run: npx tsx bench/probes/engine-cost.ts [--without-resilience]
import pino from 'pino';
import { ConversationEngine } from '../../src/core/conversation-engine.ts';
import type { ChatModel, ChatModelPart } from '../../src/models/chat-model.ts';
import { ResilientChatModel } from '../../src/models/resilient-chat-model.ts';
import { createStore } from '../../src/store/create-store.ts';

const STREAMS = 100;
const store = await createStore({ url: 'sqlite::memory:', logger: pino({ level: 'silent' }) });
const tenant = await store.createTenant({ name: 'probe' });
const scope = { tenantId: tenant.id };
const tokens = Array.from({ length: 64 }, (_, index) => (index % 16 === 15 ? `w${index}. ` : `w${index} `));
const nextTurnOfTheLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

const instantModel: ChatModel = {
  name: 'probe:instant',
  provider: 'probe',
  async *stream(): AsyncGenerator<ChatModelPart> {
    for (const text of tokens) {
      await nextTurnOfTheLoop();
      yield { type: 'text-delta', text };
    }
    yield { type: 'finish', finishReason: 'stop', usage: null };
  },
};
const model = process.argv.includes('--without-resilience')
  ? instantModel
  : new ResilientChatModel({
      chain: [instantModel],
      maxRetries: 0,
      retryBaseDelayMs: 0,
      retryMaxDelayMs: 0,
      chunkTimeoutMs: 30_000,
    });
const engine = new ConversationEngine({
  store,
  resolveModel: () => model,
  history: { maxMessages: 50, maxCharacters: 100_000 },
  maxPromptCharacters: 10_000,
});

async function oneTurn(): Promise<number> {
  const conversation = await store.createConversation(scope, { userId: null });
  const turn = await engine.startTurn({
    scope,
    conversationId: conversation.id,
    content: 'hi',
    conversationCreatedForTurn: true,
  });
  let delivered = 0;
  for await (const event of turn.events) if (event.type === 'text-delta') delivered += 1;
  return delivered;
}

async function cpuPerToken(run: () => Promise<number[]>): Promise<string> {
  const before = process.cpuUsage();
  const counts = await run();
  const used = process.cpuUsage(before);
  const delivered = counts.reduce((sum, count) => sum + count, 0);
  return `${((used.user + used.system) / delivered).toFixed(1)} µs per token (${delivered} tokens)`;
}

for (let round = 1; round <= 4; round += 1) {
  console.log(
    `round ${round}, ${STREAMS} turns at once:`,
    await cpuPerToken(() => Promise.all(Array.from({ length: STREAMS }, oneTurn))),
  );
}
console.log(
  'the pacing alone:',
  await cpuPerToken(() =>
    Promise.all(
      Array.from({ length: STREAMS }, async () => {
        for (const _ of tokens) await nextTurnOfTheLoop();
        return tokens.length;
      }),
    ),
  ),
);
