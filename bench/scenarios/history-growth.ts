import { Agent } from 'node:http';
import { seedConversations, type SeededConversation } from '../lib/history-seed.ts';
import { formatAdded, formatMs, verdict, type DetailTable, type ResultRow } from '../lib/results-table.ts';
import { openAiSse, streamOverSse } from '../lib/sse-stream.ts';
import { rounded, summarize, type Summary } from '../lib/stats.ts';
import { TokenTracker, type StreamRecord } from '../lib/token-tracker.ts';
import { promptFor } from '../lib/tokens.ts';
import type { UpstreamTiming } from '../upstream/paced-upstream.ts';
import type { Scenario } from './scenario.ts';

// Time to first token against the stored history's length: conversations of 10 … 10,000 messages,
// seeded through cai's Store before the server starts, each continued with short streamed turns
// (`POST /v1/chat/completions`, `X-Conversation-Id`, `max_tokens` capping the reply). cai sends the
// model only the budgeted window (HISTORY_MAX_MESSAGES), so beyond it the first token must not
// come later. The baseline is the upstream directly, sent the same window, turn by turn in turns.

const GROWTH_GOAL_MS = 1;

interface SizeFigures {
  size: number;
  /** Messages the model is sent: the window, the new user message included. */
  windowSent: number;
  cai: { firstToken: Summary; overhead: Summary; failed: number; errors: string[] };
  direct: { firstToken: Summary; overhead: Summary; failed: number; errors: string[] };
}

export const historyGrowth: Scenario = {
  name: 'history-growth',
  description: 'time to first token with 10 → 10,000 stored messages (budgeted window) vs direct',
  async run(context) {
    const { sizes, turns, replyTokens, windowMessages } = context.parameters.history;
    let seeded: SeededConversation[] = [];
    context.log(`history-growth: seeding conversations of ${sizes.join(', ')} messages`);
    const cai = await context.startFreshCai({
      environment: { HISTORY_MAX_MESSAGES: String(windowMessages) },
      beforeStart: async (database) => {
        // One more small conversation for the warm-up, so no measured one grows before its turn.
        seeded = await seedConversations({ ...database, sizes: [...sizes, sizes[0] ?? 10] });
      },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
    const tokens = context.tokens.slice(0, replyTokens);
    const figures: SizeFigures[] = [];
    try {
      const turn = async (options: { conversation: SeededConversation; via: 'cai' | 'direct' }) => {
        const requestId = context.nextRequestId();
        const prompt = { role: 'user', content: promptFor(requestId) };
        const window = options.conversation.contents
          .slice(-(windowMessages - 1))
          .map((content, index, all) => ({
            role:
              (options.conversation.contents.length - all.length + index) % 2 === 0 ? 'user' : 'assistant',
            content,
          }));
        return streamOverSse({
          agent,
          ...(options.via === 'cai'
            ? {
                port: cai.port,
                headers: {
                  authorization: `Bearer ${cai.apiKey}`,
                  'x-conversation-id': options.conversation.conversationId,
                },
                body: { model: 'openai:bench', stream: true, max_tokens: replyTokens, messages: [prompt] },
              }
            : {
                port: context.upstream.port,
                headers: { authorization: 'Bearer x' },
                body: {
                  model: 'bench',
                  stream: true,
                  max_tokens: replyTokens,
                  messages: [...window, prompt],
                },
              }),
          path: '/v1/chat/completions',
          dialect: openAiSse,
          tracker: new TokenTracker({ requestId, tokens }),
          timeoutMs: context.parameters.streamTimeoutMs,
        });
      };

      const warmUp = seeded.at(-1)!;
      context.log('history-growth: warming up');
      for (let index = 0; index < 5; index += 1) {
        for (const via of ['direct', 'cai'] as const) {
          const record = await turn({ conversation: warmUp, via });
          if (record.error !== undefined) throw new Error(`history-growth warm-up (${via}): ${record.error}`);
        }
      }
      for (const conversation of seeded.slice(0, -1)) {
        context.log(`history-growth: ${conversation.size} stored messages`);
        await context.upstream.takeTimings();
        const records = { cai: [] as StreamRecord[], direct: [] as StreamRecord[] };
        for (let index = 0; index < turns; index += 1) {
          records.direct.push(await turn({ conversation, via: 'direct' }));
          records.cai.push(await turn({ conversation, via: 'cai' }));
        }
        const timings = await context.upstream.takeTimings();
        figures.push({
          size: conversation.size,
          windowSent: Math.min(conversation.size + 1, windowMessages),
          cai: firstTokenFigures(records.cai, timings, tokens.length),
          direct: firstTokenFigures(records.direct, timings, tokens.length),
        });
      }
    } finally {
      agent.destroy();
      await cai.stop();
    }
    return {
      name: this.name,
      rows: growthRows(figures, windowMessages),
      tables: [growthTable(figures)],
      figures: { windowMessages, replyTokens, turns, sizes: figures },
    };
  },
};

function firstTokenFigures(
  records: readonly StreamRecord[],
  timings: readonly UpstreamTiming[],
  expected: number,
): SizeFigures['cai'] {
  const timingOf = new Map(timings.map((timing) => [timing.requestId, timing]));
  const firstToken: number[] = [];
  const overhead: number[] = [];
  const errors: string[] = [];
  let failed = 0;
  for (const record of records) {
    if (record.error !== undefined || record.delivered < expected) {
      failed += 1;
      if (errors.length < 5) errors.push(record.error ?? `${record.delivered}/${expected} tokens`);
    }
    const first = record.tokenAt[0];
    if (first === undefined) continue;
    firstToken.push(first - record.startedAt);
    const timing = timingOf.get(record.requestId);
    const firstSent = timing?.chunkSentAt[0];
    if (timing && firstSent !== undefined)
      overhead.push(first - record.startedAt - (firstSent - timing.receivedAt));
  }
  return {
    firstToken: rounded(summarize(firstToken)),
    overhead: rounded(summarize(overhead)),
    failed,
    errors,
  };
}

function growthRows(figures: readonly SizeFigures[], windowMessages: number): ResultRow[] {
  const added = (entry: SizeFigures) => entry.cai.firstToken.p50 - entry.direct.firstToken.p50;
  const rows: ResultRow[] = figures.map((entry) => ({
    scenario: `history ${entry.size.toLocaleString('en-US')} stored`,
    metric: `first token p50 (window ${entry.windowSent})`,
    cai: formatMs(entry.cai.firstToken.p50) + (entry.cai.failed > 0 ? ` (${entry.cai.failed} failed)` : ''),
    direct: formatMs(entry.direct.firstToken.p50),
    comparison: formatAdded(added(entry)),
    goal: '',
    met: '',
  }));
  // The goal compares the largest history with the smallest one that already fills the window.
  const filled = figures.find((entry) => entry.size + 1 >= windowMessages);
  const largest = figures.at(-1);
  if (filled && largest && largest !== filled) {
    const growth = added(largest) - added(filled);
    const failed = figures.some((entry) => entry.cai.failed > 0);
    rows.push({
      scenario: 'history growth',
      metric: `added first token p50: ${largest.size.toLocaleString('en-US')} − ${filled.size.toLocaleString('en-US')} stored`,
      cai: formatAdded(growth),
      direct: '',
      comparison: '',
      goal: `≤ ${GROWTH_GOAL_MS} ms`,
      met: verdict(!failed && growth <= GROWTH_GOAL_MS),
    });
  }
  return rows;
}

function growthTable(figures: readonly SizeFigures[]): DetailTable {
  return {
    title: 'history growth (first token of a continued conversation)',
    headers: [
      'stored',
      'window sent',
      'cai first token p50 / p99',
      'direct p50 / p99',
      'cai overhead p50 / p99 (paired)',
      'direct overhead p50 / p99',
      'failed',
    ],
    rows: figures.map((entry) => [
      entry.size.toLocaleString('en-US'),
      String(entry.windowSent),
      `${formatMs(entry.cai.firstToken.p50)} / ${formatMs(entry.cai.firstToken.p99)}`,
      `${formatMs(entry.direct.firstToken.p50)} / ${formatMs(entry.direct.firstToken.p99)}`,
      `${formatMs(entry.cai.overhead.p50)} / ${formatMs(entry.cai.overhead.p99)}`,
      `${formatMs(entry.direct.overhead.p50)} / ${formatMs(entry.direct.overhead.p99)}`,
      `${entry.cai.failed + entry.direct.failed}`,
    ]),
  };
}
