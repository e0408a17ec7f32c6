import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatModel, ChatModelPart, ChatModelRequest } from '../models/chat-model.ts';
import { ModelError } from '../models/chat-model.ts';
import { createStore } from '../store/create-store.ts';
import type { Store } from '../store/store.ts';
import { ConversationEngine } from './conversation-engine.ts';
import type { ConversationEngineOptions, LiveTurn, Turn } from './conversation-engine.ts';
import type { Message, Scope } from './domain.ts';
import { AppError } from './errors.ts';
import type { TurnEvent } from './turn-events.ts';

/** A promise the test resolves when it chooses. */
class Gate {
  readonly opened: Promise<void>;
  open!: () => void;
  constructor() {
    this.opened = new Promise((resolve) => {
      this.open = resolve;
    });
  }
}

type Step =
  | { delta: string }
  | { finish: 'stop' | 'length'; usage?: { inputTokens: number; outputTokens: number; totalTokens: number } }
  | { wait: Gate }
  | { fail: ModelError };

/** A ChatModel that plays a script, records its calls and whether its signal was aborted. */
class ScriptedModel implements ChatModel {
  readonly name = 'fake:scripted';
  readonly provider = 'fake';
  readonly requests: ChatModelRequest[] = [];
  readonly called = new Gate();
  signalAborted = false;

  constructor(
    private readonly script: Step[],
    private readonly options: {
      onCall?: (request: ChatModelRequest) => Promise<void>;
      ignoreAbort?: boolean;
    } = {},
  ) {}

  async *stream(request: ChatModelRequest): AsyncGenerator<ChatModelPart> {
    this.requests.push(request);
    request.signal.addEventListener('abort', () => {
      this.signalAborted = true;
    });
    await this.options.onCall?.(request);
    this.called.open();
    for (const step of this.script) {
      if ('delta' in step) yield { type: 'text-delta', text: step.delta };
      else if ('finish' in step)
        yield { type: 'finish', finishReason: step.finish, usage: step.usage ?? null };
      else if ('fail' in step) throw step.fail;
      else await this.#wait(step.wait, request.signal);
    }
  }

  #wait(gate: Gate, signal: AbortSignal): Promise<void> {
    if (this.options.ignoreAbort) return gate.opened;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new ModelError({ kind: 'aborted', message: 'aborted', retryable: false }));
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      gate.opened.then(resolve, reject);
    });
  }
}

const usage = { inputTokens: 12, outputTokens: 5, totalTokens: 17 };
const upstreamFailure = () =>
  new ModelError({ kind: 'upstream', message: 'The provider failed.', retryable: true });

let store: Store;
let scope: Scope;
let conversationId: string;

beforeEach(async () => {
  store = await createStore({ url: 'sqlite::memory:' });
  const tenant = await store.createTenant({ name: 'acme' });
  scope = { tenantId: tenant.id };
  conversationId = (await store.createConversation(scope, { userId: null })).id;
});

afterEach(async () => {
  await store.close();
});

function engineWith(model: ChatModel, options: Partial<ConversationEngineOptions> = {}): ConversationEngine {
  return new ConversationEngine({
    store,
    resolveModel: () => model,
    history: { maxMessages: 50, maxCharacters: 100_000 },
    maxPromptCharacters: 1000,
    ...options,
  });
}

/** What the engine may read of a conversation before calling the model. */
const READS = new Set(['getConversation', 'recentMessages', 'listMessages']);

/** The store, recording the name of every method called on it, in order. */
function recordingStore(): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const recording = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      calls.push(String(property));
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
  return { store: recording, calls };
}

function live(turn: Turn): LiveTurn {
  if (turn.duplicate) throw new Error('expected a live turn');
  return turn;
}

async function collect(events: AsyncIterable<TurnEvent>): Promise<TurnEvent[]> {
  const collected: TurnEvent[] = [];
  for await (const event of events) collected.push(event);
  return collected;
}

/** Reads events until one matches, keeping the iterator open for the rest. */
async function readUntil(
  iterator: AsyncIterator<TurnEvent>,
  predicate: (event: TurnEvent) => boolean,
): Promise<TurnEvent[]> {
  const seen: TurnEvent[] = [];
  for (;;) {
    const step = await iterator.next();
    if (step.done) throw new Error(`stream ended before the expected event; saw ${JSON.stringify(seen)}`);
    seen.push(step.value);
    if (predicate(step.value)) return seen;
  }
}

async function storedMessages(): Promise<Message[]> {
  const page = await store.listMessages(scope, conversationId, { offset: 0, limit: 100, order: 'asc' });
  return page.items;
}

async function seed(contents: Array<[role: 'user' | 'assistant', content: string]>): Promise<void> {
  for (const [role, content] of contents) {
    await store.appendMessage(scope, { conversationId, role, content, status: 'complete' });
  }
}

describe('ConversationEngine', () => {
  it('streams events in order and stores the complete reply with its usage and model', async () => {
    const model = new ScriptedModel([
      { delta: 'Hello there. ' },
      { delta: 'How are' },
      { delta: ' you?' },
      { finish: 'stop', usage },
    ]);
    const turn = live(await engineWith(model).startTurn({ scope, conversationId, content: 'Hi' }));
    const events = await collect(turn.events);

    expect(events).toEqual([
      {
        type: 'turn-start',
        conversationId,
        userMessageId: turn.userMessage.id,
        assistantMessageId: turn.assistantMessageId,
        model: 'fake:scripted',
      },
      { type: 'text-delta', text: 'Hello there. ' },
      { type: 'text-delta', text: 'How are' },
      { type: 'sentence', index: 0, text: 'Hello there.' },
      { type: 'text-delta', text: ' you?' },
      { type: 'sentence', index: 1, text: 'How are you?' },
      {
        type: 'turn-end',
        finishReason: 'stop',
        text: 'Hello there. How are you?',
        storedText: 'Hello there. How are you?',
        usage,
        model: 'fake:scripted',
      },
    ]);
    const [user, assistant] = await storedMessages();
    expect(user).toMatchObject({ id: turn.userMessage.id, role: 'user', content: 'Hi', status: 'complete' });
    expect(assistant).toMatchObject({
      id: turn.assistantMessageId,
      role: 'assistant',
      content: 'Hello there. How are you?',
      status: 'complete',
      model: 'fake:scripted',
      usage,
    });
    expect(await turn.ended).toEqual(events.at(-1));
  });

  it('stores the user message before the model is called', async () => {
    let seenByModel: Message[] = [];
    const model = new ScriptedModel([{ delta: 'Ok.' }], {
      onCall: async () => {
        seenByModel = await storedMessages();
      },
    });
    const turn = live(await engineWith(model).startTurn({ scope, conversationId, content: 'Remember me' }));
    await turn.ended;
    expect(seenByModel).toHaveLength(1);
    expect(seenByModel[0]).toMatchObject({ role: 'user', content: 'Remember me' });
  });

  it('continues a conversation with one read before the model call: its history window', async () => {
    const recorded = recordingStore();
    const model = new ScriptedModel([{ delta: 'Again.' }]);
    const engine = engineWith(model, { store: recorded.store });
    await live(await engine.startTurn({ scope, conversationId, content: 'One' })).ended;
    await live(await engine.startTurn({ scope, conversationId, content: 'Two' })).ended;
    const reads = recorded.calls.filter((name) => READS.has(name));
    expect(reads).toEqual(['recentMessages', 'recentMessages']);
    expect(model.requests[1]?.messages.map((message) => message.content)).toEqual(['One', 'Again.', 'Two']);
  });

  it('reads neither the conversation nor its history back when the caller created it for the turn', async () => {
    const recorded = recordingStore();
    const model = new ScriptedModel([{ delta: 'Welcome.' }]);
    const engine = engineWith(model, { store: recorded.store });
    const fresh = await store.createConversation(scope, { userId: null });
    const turn = live(
      await engine.startTurn({
        scope,
        conversationId: fresh.id,
        content: 'First words',
        system: 'Be kind.',
        conversationCreatedForTurn: true,
      }),
    );
    await turn.ended;
    expect(recorded.calls.filter((name) => READS.has(name))).toEqual([]);
    expect(model.requests[0]?.messages).toEqual([
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: 'First words' },
    ]);
    const page = await store.listMessages(scope, fresh.id, { offset: 0, limit: 10, order: 'asc' });
    expect(page.items.map((message) => [message.role, message.content])).toEqual([
      ['user', 'First words'],
      ['assistant', 'Welcome.'],
    ]);
  });

  it('opens a new conversation with the user message in one write, or stores neither when refused', async () => {
    const recorded = recordingStore();
    const model = new ScriptedModel([{ delta: 'Welcome.' }]);
    const engine = engineWith(model, { store: recorded.store });
    const opened = '0190ffff-0000-7000-8000-000000000001';
    const newConversation = { userId: 'alice', title: 'First', metadata: { from: 'test' } };
    await expect(
      engine.startTurn({ scope, conversationId: opened, content: ' ', newConversation }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await store.getConversation(scope, opened)).toBeUndefined();

    const turn = live(
      await engine.startTurn({ scope, conversationId: opened, content: 'Hi', newConversation }),
    );
    await turn.ended;
    expect(recorded.calls.filter((name) => /^(create|append|get|recent)/.test(name))).toEqual([
      'createConversationWithMessage',
      'appendMessage',
    ]);
    expect(model.requests[0]?.messages).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(await store.getConversation(scope, opened)).toMatchObject({
      userId: 'alice',
      title: 'First',
      metadata: { from: 'test' },
    });
    const page = await store.listMessages(scope, opened, { offset: 0, limit: 10, order: 'asc' });
    expect(page.items.map((message) => [message.role, message.content])).toEqual([
      ['user', 'Hi'],
      ['assistant', 'Welcome.'],
    ]);
  });

  it('caps the reply length the model may produce', async () => {
    const model = new ScriptedModel([{ delta: 'Sure.' }]);
    const turn = live(
      await engineWith(model, { maxOutputTokens: 64 }).startTurn({ scope, conversationId, content: 'hi' }),
    );
    await turn.ended;
    expect(model.requests[0]?.maxOutputTokens).toBe(64);
  });

  it('sends the history oldest first with the system prompt in front', async () => {
    await seed([
      ['user', 'first question'],
      ['assistant', 'first answer'],
    ]);
    const model = new ScriptedModel([{ delta: 'Sure.' }]);
    const turn = live(
      await engineWith(model).startTurn({
        scope,
        conversationId,
        content: 'second question',
        system: 'Be brief.',
      }),
    );
    await turn.ended;
    expect(model.requests[0]?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'second question' },
    ]);
  });

  it('keeps only the newest messages within maxMessages', async () => {
    await seed([
      ['user', 'one'],
      ['assistant', 'two'],
      ['user', 'three'],
      ['assistant', 'four'],
    ]);
    const model = new ScriptedModel([{ delta: 'Ok.' }]);
    const engine = engineWith(model, { history: { maxMessages: 3, maxCharacters: 100_000 } });
    await live(await engine.startTurn({ scope, conversationId, content: 'five' })).ended;
    expect(model.requests[0]?.messages.map((message) => message.content)).toEqual(['three', 'four', 'five']);
  });

  it('keeps only the newest messages within maxCharacters, and always the new message', async () => {
    await seed([
      ['user', 'a'.repeat(30)],
      ['assistant', 'b'.repeat(30)],
      ['user', 'c'.repeat(30)],
    ]);
    const model = new ScriptedModel([{ delta: 'Ok.' }]);
    const engine = engineWith(model, { history: { maxMessages: 50, maxCharacters: 70 } });
    await live(await engine.startTurn({ scope, conversationId, content: 'd'.repeat(10) })).ended;
    expect(model.requests[0]?.messages.map((message) => message.content)).toEqual([
      'b'.repeat(30),
      'c'.repeat(30),
      'd'.repeat(10),
    ]);

    const tight = new ScriptedModel([{ delta: 'Ok.' }]);
    const tightEngine = engineWith(tight, { history: { maxMessages: 50, maxCharacters: 5 } });
    await live(await tightEngine.startTurn({ scope, conversationId, content: 'longer than five' })).ended;
    expect(tight.requests[0]?.messages).toEqual([{ role: 'user', content: 'longer than five' }]);
  });

  it('leaves empty messages out of the history', async () => {
    await store.appendMessage(scope, {
      conversationId,
      role: 'user',
      content: 'question',
      status: 'complete',
    });
    await store.appendMessage(scope, { conversationId, role: 'assistant', content: '', status: 'error' });
    const model = new ScriptedModel([{ delta: 'Ok.' }]);
    await live(await engineWith(model).startTurn({ scope, conversationId, content: 'again' })).ended;
    expect(model.requests[0]?.messages.map((message) => message.content)).toEqual(['question', 'again']);
  });

  it('reports length when the model ran out of tokens, and stores the text as complete', async () => {
    const model = new ScriptedModel([{ delta: 'It was a dark and' }, { finish: 'length', usage }]);
    const turn = live(await engineWith(model).startTurn({ scope, conversationId, content: 'Tell a story' }));
    const events = await collect(turn.events);
    expect(events.filter((event) => event.type === 'sentence')).toEqual([
      { type: 'sentence', index: 0, text: 'It was a dark and' },
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'turn-end',
      finishReason: 'length',
      text: 'It was a dark and',
    });
    expect((await storedMessages())[1]).toMatchObject({ content: 'It was a dark and', status: 'complete' });
  });

  it('interrupt after two acknowledged sentences stores exactly those', async () => {
    const gate = new Gate();
    const model = new ScriptedModel([
      { delta: 'One. Two. ' },
      { delta: 'Three is' },
      { wait: gate },
      { delta: ' never.' },
    ]);
    const turn = live(await engineWith(model).startTurn({ scope, conversationId, content: 'Count' }));
    const iterator = turn.events[Symbol.asyncIterator]();
    await readUntil(iterator, (event) => event.type === 'text-delta' && event.text === 'Three is');
    turn.acknowledgeSentence(0);
    turn.acknowledgeSentence(1);
    turn.interrupt();

    const rest = await readUntil(iterator, (event) => event.type === 'turn-end');
    expect(rest.at(-1)).toEqual({
      type: 'turn-end',
      finishReason: 'interrupted',
      text: 'One. Two. Three is',
      storedText: 'One. Two.',
      usage: null,
      model: 'fake:scripted',
    });
    expect(model.signalAborted).toBe(true);
    const assistant = (await storedMessages())[1];
    expect(assistant).toMatchObject({
      id: turn.assistantMessageId,
      content: 'One. Two.',
      status: 'interrupted',
    });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('a delivery cut off after the model finished rewrites the stored reply to the heard sentences', async () => {
    const model = new ScriptedModel([{ delta: 'One. Two. Three.' }, { finish: 'stop' }]);
    const turn = live(await engineWith(model).startTurn({ scope, conversationId, content: 'Count' }));
    await collect(turn.events);
    expect((await storedMessages())[1]).toMatchObject({ content: 'One. Two. Three.', status: 'complete' });
    // Spoken so far: the first sentence; the user speaks over the second.
    turn.acknowledgeSentence(0);
    await turn.interruptDelivery();
    const [, assistant] = await storedMessages();
    expect(assistant).toMatchObject({ id: turn.assistantMessageId, content: 'One.', status: 'interrupted' });
  });

  it('a delivery cut off before any sentence was acknowledged stores nothing as heard', async () => {
    const gate = new Gate();
    const model = new ScriptedModel([{ delta: 'One. Two ' }, { wait: gate }, { delta: 'never.' }]);
    const turn = live(await engineWith(model).startTurn({ scope, conversationId, content: 'Count' }));
    const iterator = turn.events[Symbol.asyncIterator]();
    await readUntil(iterator, (event) => event.type === 'sentence');
    await turn.interruptDelivery();
    expect(model.signalAborted).toBe(true);
    expect((await turn.ended).finishReason).toBe('interrupted');
    expect((await storedMessages())[1]).toMatchObject({ content: '', status: 'interrupted' });
  });

  it('stores only the acknowledged sentences contiguous from the first', async () => {
    const gate = new Gate();
    const model = new ScriptedModel([{ delta: 'One. Two. Three. Four' }, { wait: gate }]);
    const turn = live(await engineWith(model).startTurn({ scope, conversationId, content: 'Count' }));
    const iterator = turn.events[Symbol.asyncIterator]();
    await readUntil(iterator, (event) => event.type === 'sentence' && event.index === 2);
    turn.acknowledgeSentence(0);
    turn.acknowledgeSentence(2);
    turn.interrupt();
    expect(await turn.ended).toMatchObject({ finishReason: 'interrupted', storedText: 'One.' });
  });

  it('interrupt with no sentence acknowledged stores what was sent', async () => {
    const gate = new Gate();
    const model = new ScriptedModel([{ delta: 'First sentence. Second ' }, { wait: gate }]);
    const turn = live(await engineWith(model).startTurn({ scope, conversationId, content: 'Talk' }));
    const iterator = turn.events[Symbol.asyncIterator]();
    await readUntil(iterator, (event) => event.type === 'sentence');
    turn.interrupt();
    const end = await turn.ended;
    expect(end).toMatchObject({
      finishReason: 'interrupted',
      text: 'First sentence. Second ',
      storedText: 'First sentence. Second ',
    });
    expect(model.signalAborted).toBe(true);
    expect((await storedMessages())[1]).toMatchObject({
      content: 'First sentence. Second ',
      status: 'interrupted',
    });
  });

  it("aborts the turn when the caller's signal aborts", async () => {
    const gate = new Gate();
    const model = new ScriptedModel([{ delta: 'Partial' }, { wait: gate }]);
    const caller = new AbortController();
    const turn = live(
      await engineWith(model).startTurn({ scope, conversationId, content: 'Go', signal: caller.signal }),
    );
    await readUntil(turn.events[Symbol.asyncIterator](), (event) => event.type === 'text-delta');
    caller.abort();
    expect(await turn.ended).toMatchObject({ finishReason: 'interrupted', storedText: 'Partial' });
    expect(model.signalAborted).toBe(true);
  });

  it('treats a consumer that stops iterating as an interrupt', async () => {
    const gate = new Gate();
    const model = new ScriptedModel([{ delta: 'Hello' }, { wait: gate }]);
    const turn = live(await engineWith(model).startTurn({ scope, conversationId, content: 'Go' }));
    for await (const event of turn.events) {
      if (event.type === 'text-delta') break;
    }
    expect(await turn.ended).toMatchObject({ finishReason: 'interrupted', storedText: 'Hello' });
    expect(model.signalAborted).toBe(true);
    expect((await storedMessages())[1]).toMatchObject({ status: 'interrupted' });
  });

  it('ends an interrupted turn even when the model ignores its signal', async () => {
    const gate = new Gate();
    const model = new ScriptedModel([{ delta: 'Stuck' }, { wait: gate }, { delta: ' late.' }], {
      ignoreAbort: true,
    });
    const turn = live(await engineWith(model).startTurn({ scope, conversationId, content: 'Go' }));
    await readUntil(turn.events[Symbol.asyncIterator](), (event) => event.type === 'text-delta');
    turn.interrupt();
    expect(await turn.ended).toMatchObject({ finishReason: 'interrupted', text: 'Stuck' });
    gate.open();
    expect((await storedMessages()).map((message) => message.content)).toEqual(['Go', 'Stuck']);
  });

  it('ends with an explicit error and stores the partial text when the model fails after the first token', async () => {
    const model = new ScriptedModel([{ delta: 'Half a sent' }, { fail: upstreamFailure() }]);
    const turn = live(await engineWith(model).startTurn({ scope, conversationId, content: 'Go' }));
    const events = await collect(turn.events);
    expect(events.map((event) => event.type)).toEqual(['turn-start', 'text-delta', 'turn-end']);
    expect(events.at(-1)).toEqual({
      type: 'turn-end',
      finishReason: 'error',
      text: 'Half a sent',
      storedText: 'Half a sent',
      usage: null,
      model: 'fake:scripted',
      error: { code: 'MODEL_ERROR', message: 'The provider failed.' },
    });
    expect((await storedMessages())[1]).toMatchObject({
      role: 'assistant',
      content: 'Half a sent',
      status: 'error',
    });
  });

  it('ends with an error and stores an empty error message when the model fails before the first token', async () => {
    const model = new ScriptedModel([
      { fail: new ModelError({ kind: 'timeout', message: 'The model stopped answering.', retryable: true }) },
    ]);
    const turn = live(await engineWith(model).startTurn({ scope, conversationId, content: 'Go' }));
    const events = await collect(turn.events);
    expect(events.at(-1)).toMatchObject({
      type: 'turn-end',
      finishReason: 'error',
      text: '',
      storedText: '',
      error: { code: 'MODEL_TIMEOUT', message: 'The model stopped answering.' },
    });
    expect((await storedMessages())[1]).toMatchObject({ role: 'assistant', content: '', status: 'error' });
  });

  it('does not leak the text of an unexpected failure', async () => {
    const model: ChatModel = {
      name: 'fake:broken',
      provider: 'fake',
      // eslint-disable-next-line require-yield
      async *stream() {
        throw new Error('secret internals');
      },
    };
    const end = await live(await engineWith(model).startTurn({ scope, conversationId, content: 'Go' })).ended;
    expect(end.error).toEqual({ code: 'MODEL_ERROR', message: 'AI model processing error.' });
  });

  it('logs a failed store write and still ends the stream', async () => {
    const logged: string[] = [];
    const failingStore = new Proxy(store, {
      get(target, property) {
        if (property === 'appendMessage') {
          return (messageScope: Scope, input: Parameters<Store['appendMessage']>[1]) =>
            input.role === 'assistant'
              ? Promise.reject(new Error('disk full'))
              : target.appendMessage(messageScope, input);
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const model = new ScriptedModel([{ delta: 'Fine.' }]);
    const engine = engineWith(model, {
      store: failingStore,
      logger: { warn: () => undefined, error: (_bindings, message) => logged.push(message) },
    });
    const turn = live(await engine.startTurn({ scope, conversationId, content: 'Go' }));
    const events = await collect(turn.events);
    expect(events.at(-1)).toMatchObject({ type: 'turn-end', finishReason: 'stop', text: 'Fine.' });
    expect(logged).toEqual(['storing the assistant message failed']);
    expect(await storedMessages()).toHaveLength(1);
  });

  describe('rejects before storing anything', () => {
    it.each([
      ['empty content', { content: '   ' }, 'VALIDATION_FAILED'],
      ['content over the prompt limit', { content: 'x'.repeat(1001) }, 'PROMPT_TOO_LARGE'],
      [
        'content and system prompt over the limit',
        { content: 'x'.repeat(600), system: 'y'.repeat(600) },
        'PROMPT_TOO_LARGE',
      ],
    ])('%s', async (_name, input, code) => {
      const model = new ScriptedModel([{ delta: 'No.' }]);
      await expect(engineWith(model).startTurn({ scope, conversationId, ...input })).rejects.toMatchObject({
        name: 'AppError',
        code,
      });
      expect(model.requests).toHaveLength(0);
      expect(await storedMessages()).toHaveLength(0);
    });

    it('a conversation of another tenant', async () => {
      const other = await store.createTenant({ name: 'other' });
      const model = new ScriptedModel([{ delta: 'No.' }]);
      const attempt = engineWith(model).startTurn({
        scope: { tenantId: other.id },
        conversationId,
        content: 'Hi',
      });
      await expect(attempt).rejects.toMatchObject({ code: 'CHAT_NOT_FOUND', status: 404 });
      expect(model.requests).toHaveLength(0);
      expect(await storedMessages()).toHaveLength(0);
    });

    it("another user's conversation", async () => {
      const owned = await store.createConversation(scope, { userId: 'alice' });
      const model = new ScriptedModel([{ delta: 'No.' }]);
      const attempt = engineWith(model).startTurn({
        scope: { tenantId: scope.tenantId, userId: 'bob' },
        conversationId: owned.id,
        content: 'Hi',
      });
      await expect(attempt).rejects.toMatchObject({ code: 'CHAT_NOT_FOUND' });
    });

    it('an unknown model, with the error the resolver gives', async () => {
      const engine = engineWith(new ScriptedModel([]), {
        resolveModel: (name) => {
          throw new AppError('PROVIDER_NOT_CONFIGURED', {
            details: `${name} is not configured; configured: fake`,
          });
        },
      });
      await expect(
        engine.startTurn({ scope, conversationId, content: 'Hi', model: 'nope:x' }),
      ).rejects.toMatchObject({
        code: 'PROVIDER_NOT_CONFIGURED',
        details: 'nope:x is not configured; configured: fake',
      });
      expect(await storedMessages()).toHaveLength(0);
    });
  });

  it('answers a repeated client message id as a duplicate, without calling the model or storing again', async () => {
    const model = new ScriptedModel([{ delta: 'Once.' }, { finish: 'stop', usage }]);
    const engine = engineWith(model);
    const first = live(
      await engine.startTurn({ scope, conversationId, content: 'Hi', clientMessageId: 'c-1' }),
    );
    await first.ended;

    const second = await engine.startTurn({ scope, conversationId, content: 'Hi', clientMessageId: 'c-1' });
    expect(second.duplicate).toBe(true);
    if (!second.duplicate) return;
    expect(second.userMessage.id).toBe(first.userMessage.id);
    expect(second.reply).toMatchObject({ id: first.assistantMessageId, content: 'Once.' });
    expect(await collect(second.events)).toEqual([]);
    expect(model.requests).toHaveLength(1);
    expect(await storedMessages()).toHaveLength(2);
  });

  it('answers a duplicate of a turn still streaming without a reply', async () => {
    const gate = new Gate();
    const model = new ScriptedModel([{ delta: 'Slow' }, { wait: gate }, { delta: ' answer.' }]);
    const engine = engineWith(model);
    const first = live(
      await engine.startTurn({ scope, conversationId, content: 'Hi', clientMessageId: 'c-2' }),
    );
    const second = await engine.startTurn({ scope, conversationId, content: 'Hi', clientMessageId: 'c-2' });
    expect(second).toMatchObject({ duplicate: true, reply: undefined });
    gate.open();
    expect(await first.ended).toMatchObject({ finishReason: 'stop', text: 'Slow answer.' });
    expect(model.requests).toHaveLength(1);
  });

  it('runs two concurrent turns on one conversation to completion and stores both', async () => {
    const gate = new Gate();
    const models = [
      new ScriptedModel([{ delta: 'Answer A. ' }, { wait: gate }, { delta: 'Done A.' }]),
      new ScriptedModel([{ delta: 'Answer B. ' }, { wait: gate }, { delta: 'Done B.' }]),
    ];
    let next = 0;
    const engine = engineWith(models[0]!, { resolveModel: () => models[next++]! });
    const [first, second] = (
      await Promise.all([
        engine.startTurn({ scope, conversationId, content: 'Question A' }),
        engine.startTurn({ scope, conversationId, content: 'Question B' }),
      ])
    ).map(live);
    await Promise.all(models.map((model) => model.called.opened));
    gate.open();
    const [endFirst, endSecond] = await Promise.all([first!.ended, second!.ended]);

    expect(endFirst).toMatchObject({ finishReason: 'stop', text: 'Answer A. Done A.' });
    expect(endSecond).toMatchObject({ finishReason: 'stop', text: 'Answer B. Done B.' });
    // Each model saw its own question last, and not the other's reply.
    expect(models[0]!.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'Question A' });
    expect(models[1]!.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'Question B' });
    const stored = await storedMessages();
    expect(stored).toHaveLength(4);
    expect(
      stored
        .filter((message) => message.role === 'assistant')
        .map((message) => message.content)
        .sort(),
    ).toEqual(['Answer A. Done A.', 'Answer B. Done B.']);
  });
});

describe('ConversationEngine with a caller-given history (stateless clients)', () => {
  it('gives the model the caller history instead of the stored one and stores only the new exchange', async () => {
    await seed([
      ['user', 'Stored question'],
      ['assistant', 'Stored answer'],
    ]);
    const before = (await storedMessages()).length;
    const model = new ScriptedModel([{ delta: 'Fresh answer.' }, { finish: 'stop', usage }]);
    const turn = live(
      await engineWith(model).startTurn({
        scope,
        conversationId,
        content: 'Second question',
        system: 'Be brief.',
        history: [
          { role: 'user', content: 'First question' },
          { role: 'assistant', content: 'First answer' },
        ],
      }),
    );
    await turn.ended;

    expect(model.requests[0]?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: 'First answer' },
      { role: 'user', content: 'Second question' },
    ]);
    const stored = (await storedMessages()).slice(before);
    expect(stored.map((message) => [message.role, message.content])).toEqual([
      ['user', 'Second question'],
      ['assistant', 'Fresh answer.'],
    ]);
  });

  it('windows a caller history by the same limits, newest first, leaving out empty messages', async () => {
    const model = new ScriptedModel([{ finish: 'stop' }]);
    const engine = engineWith(model, { history: { maxMessages: 3, maxCharacters: 1000 } });
    const turn = live(
      await engine.startTurn({
        scope,
        conversationId,
        content: 'Now',
        history: [
          { role: 'user', content: 'Oldest' },
          { role: 'assistant', content: 'Old reply' },
          { role: 'user', content: 'Recent' },
          { role: 'assistant', content: '  ' },
          { role: 'assistant', content: 'Recent reply' },
        ],
      }),
    );
    await turn.ended;
    expect(model.requests[0]?.messages).toEqual([
      { role: 'user', content: 'Recent' },
      { role: 'assistant', content: 'Recent reply' },
      { role: 'user', content: 'Now' },
    ]);
  });

  it("passes a turn's temperature and output cap to the model, the engine's cap winning when smaller", async () => {
    const model = new ScriptedModel([{ finish: 'stop' }]);
    const engine = engineWith(model, { maxOutputTokens: 100 });
    await live(
      await engine.startTurn({
        scope,
        conversationId,
        content: 'One',
        maxOutputTokens: 20,
        temperature: 0.3,
      }),
    ).ended;
    await live(await engine.startTurn({ scope, conversationId, content: 'Two', maxOutputTokens: 500 })).ended;
    expect(model.requests[0]).toMatchObject({ maxOutputTokens: 20, temperature: 0.3 });
    expect(model.requests[1]?.maxOutputTokens).toBe(100);
    expect(model.requests[1]).not.toHaveProperty('temperature');
  });
});
