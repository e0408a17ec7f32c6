import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SentenceSegmenter } from '../../src/core/sentence-segmenter.ts';
import { createStore } from '../../src/store/create-store.ts';
import type { EngineDelays } from '../lib/fixed-delay-engines.ts';
import { formatAdded, formatMs, verdict, type ResultRow } from '../lib/results-table.ts';
import { rounded, summarize, type Summary } from '../lib/stats.ts';
import { benchTokens } from '../lib/tokens.ts';
import { VoiceTurnDriver, type VoiceTurnMeasure } from '../lib/voice-turn-driver.ts';
import type { Scenario, VoiceLevel } from './scenario.ts';

// What the voice pipeline's orchestration adds per turn: cai's VoiceSession, conversation engine
// and SQLite store, in this process, around engines that take fixed times (fixed-delay-engines.ts).
// Per turn, paired: (audio ending the user's silence → first reply audio) − the time the engines
// were inside their calls on that path (speech-to-text, the model up to the token that completes
// the first sentence, its synthesis). Timers fire a little early or late (libuv caches the loop's
// clock; a busy machine delays them), and pairing takes that out. Beside it, the same turn against
// the nominal fixed delays, which keeps that noise in, and also the queueing behind other sessions
// (their work makes this session's timers late): read that one for contention.

const DELAYS: EngineDelays = { speechToTextMs: 40, firstTokenMs: 20, tokenPaceMs: 5, textToSpeechMs: 15 };
const REPLY_TOKENS = 24;
const HEARD = 'what is the weather today';
const OVERHEAD_GOAL_MS = 10;

interface LevelFigures {
  sessions: number;
  turns: number;
  failed: number;
  errors: string[];
  total: Summary;
  engines: Summary;
  /** Per turn: total − the fixed delays on the path. */
  addedToFixed: Summary;
  /** Per turn: total − the engines' measured time on the path. */
  paired: Summary;
}

/** The index of the reply token whose arrival lets cai's segmenter complete the first sentence. */
function sentenceCompletingToken(reply: readonly string[]): number {
  const segmenter = new SentenceSegmenter();
  const index = reply.findIndex((token) => segmenter.push(token).length > 0);
  if (index === -1) throw new Error('the voice reply has no sentence boundary');
  return index;
}

export const voiceOverhead: Scenario = {
  name: 'voice-overhead',
  description: 'voice session orchestration per turn with fixed-delay engines (in process)',
  async run(context) {
    const reply = benchTokens(REPLY_TOKENS);
    const sentenceToken = sentenceCompletingToken(reply);
    const nominalMs =
      DELAYS.speechToTextMs +
      DELAYS.firstTokenMs +
      sentenceToken * DELAYS.tokenPaceMs +
      DELAYS.textToSpeechMs;
    const dataDir = mkdtempSync(join(tmpdir(), 'cai-bench-voice-'));
    const store = await createStore({ url: `sqlite:${join(dataDir, 'voice.db')}` });
    const figures: LevelFigures[] = [];
    try {
      const tenant = await store.createTenant({ name: 'bench voice' });
      for (const level of context.parameters.voice.levels) {
        context.log(`voice-overhead: ${level.sessions} session(s), ${level.turns} turns each`);
        figures.push(
          await measureLevel({
            level,
            nominalMs,
            warmUpTurns: context.parameters.voice.warmUpTurns,
            open: () =>
              VoiceTurnDriver.open({
                store,
                scope: { tenantId: tenant.id },
                delays: DELAYS,
                heard: HEARD,
                reply,
                sentenceToken,
              }),
          }),
        );
      }
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    return {
      name: this.name,
      rows: figures.flatMap((entry, index) => rowsFor({ entry, nominalMs, withGoal: index === 0 })),
      figures: { delays: DELAYS, replyTokens: REPLY_TOKENS, sentenceToken, nominalMs, levels: figures },
    };
  },
};

async function measureLevel(options: {
  level: VoiceLevel;
  nominalMs: number;
  warmUpTurns: number;
  open: () => Promise<VoiceTurnDriver>;
}): Promise<LevelFigures> {
  const { level } = options;
  const drivers = await Promise.all(Array.from({ length: level.sessions }, () => options.open()));
  const measures: VoiceTurnMeasure[] = [];
  const errors: string[] = [];
  let failed = 0;
  try {
    await Promise.all(
      drivers.map(async (driver) => {
        for (let turn = 0; turn < options.warmUpTurns + level.turns; turn += 1) {
          try {
            const measure = await driver.turn();
            if (turn >= options.warmUpTurns) measures.push(measure);
          } catch (error) {
            failed += 1;
            if (errors.length < 5) errors.push((error as Error).message);
            return;
          }
        }
      }),
    );
  } finally {
    for (const driver of drivers) driver.end();
  }
  return {
    sessions: level.sessions,
    turns: measures.length,
    failed,
    errors,
    total: rounded(summarize(measures.map((measure) => measure.totalMs))),
    engines: rounded(summarize(measures.map((measure) => measure.enginesMs))),
    addedToFixed: rounded(summarize(measures.map((measure) => measure.totalMs - options.nominalMs))),
    paired: rounded(summarize(measures.map((measure) => measure.overheadMs))),
  };
}

/** The goal is checked at the first level (one session): the cost of a turn, not of contention. */
function rowsFor(options: { entry: LevelFigures; nominalMs: number; withGoal: boolean }): ResultRow[] {
  const { entry, nominalMs, withGoal } = options;
  const scenario = `voice ${entry.sessions} session${entry.sessions === 1 ? '' : 's'}`;
  const failures = entry.failed > 0 ? ` (${entry.failed} failed: ${entry.errors[0]})` : '';
  return (['p50', 'p99'] as const).map((percentile) => ({
    scenario,
    metric: `speech end → first audio ${percentile} (${entry.turns} turns)`,
    cai: formatMs(entry.total[percentile]) + failures,
    direct: `${formatMs(nominalMs)} (fixed delays)`,
    comparison: `${formatAdded(entry.paired[percentile])} paired (${formatAdded(entry.addedToFixed[percentile])} vs fixed)`,
    ...(withGoal && percentile === 'p99'
      ? {
          goal: `added ≤ ${OVERHEAD_GOAL_MS} ms (paired)`,
          met: verdict(entry.failed === 0 && entry.turns > 0 && entry.paired.p99 <= OVERHEAD_GOAL_MS),
        }
      : { goal: '', met: '' as const }),
  }));
}
