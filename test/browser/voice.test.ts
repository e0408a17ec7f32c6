import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../src/voice/audio/wav.ts';
import { missingExecutables } from '../../src/voice/engine-test-support.ts';
import { spokenSamples } from '../../src/voice/voice-test-audio.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import {
  chromiumMissing,
  launchChromium,
  openApp,
  prepareWebApp,
  saveScreenshot,
  signIn,
} from './browser-test-kit.ts';

// A spoken conversation in Chromium: its fake microphone plays a question made with espeak-ng,
// the page streams it to WS /ws through the AudioWorklet, cai hears it (Silero VAD, pocketsphinx),
// answers with the offline model and espeak-ng, and the page shows the transcript and plays the
// reply. Playback is observed in the page (pieces that played to their end), never by timing.

const missingEngines = await missingExecutables(['espeak-ng', 'pocketsphinx_continuous', 'sox']);
const missing = (await chromiumMissing()) || missingEngines.length > 0;

// pocketsphinx hears espeak-ng's "what is the weather today" as "what is on whether to do" (or
// similar): the opening words are what holds.
const QUESTION = 'what is the weather today';
const HEARD_QUESTION = /^what is\b/;
const SAMPLE_RATE = 16_000;

/**
 * What the fake microphone hears: the question at each of `questionsAt` (seconds), silence around
 * them, 40 s of silence at the end (Chromium plays the file in a loop).
 */
function microphoneFile(folder: string, name: string, questionsAt: number[]): string {
  const speech = spokenSamples(QUESTION);
  const last = questionsAt.at(-1);
  const length =
    last === undefined ? SAMPLE_RATE * 40 : Math.ceil(last * SAMPLE_RATE) + speech.length + SAMPLE_RATE * 40;
  const samples = new Int16Array(length);
  for (const seconds of questionsAt) samples.set(speech, Math.round(seconds * SAMPLE_RATE));
  const file = path.join(folder, `${name}.wav`);
  writeFileSync(file, writeWav({ sampleRate: SAMPLE_RATE, channels: 1, samples }));
  return file;
}

/** Every value the panel's data-voice-state takes, in order, recorded in the page. */
async function recordVoiceStates(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const states: string[] = [];
    (window as unknown as { voiceStates: string[] }).voiceStates = states;
    const record = () => {
      const state = document.querySelector<HTMLElement>('section.voice-panel')?.dataset.voiceState;
      if (state !== undefined && states.at(-1) !== state) states.push(state);
    };
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      attributes: true,
      attributeFilter: ['data-voice-state'],
    });
    record();
  });
  return () => page.evaluate(() => (window as unknown as { voiceStates: string[] }).voiceStates);
}

async function playedChunks(page: Page, atLeast: number): Promise<void> {
  await page.waitForFunction(
    (count) =>
      Number(document.querySelector<HTMLElement>('section.voice-panel')?.dataset.playedChunks) >= count,
    atLeast,
  );
}

describe.skipIf(missing)('talking in the browser', () => {
  let folder: string;
  let app: TestApp | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    await prepareWebApp();
    folder = mkdtempSync(path.join(tmpdir(), 'cai-browser-voice-'));
  }, 600_000);

  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await app?.close();
    app = undefined;
  });

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it(
    'hears a spoken question, shows its transcript and plays the spoken reply',
    { timeout: 120_000 },
    async () => {
      app = await startTestApp({ ALLOW_ANONYMOUS: 'true' });
      browser = await launchChromium({ microphoneFile: microphoneFile(folder, 'question', [0.5]) });
      const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
      await context.grantPermissions(['microphone'], { origin: app.baseUrl });
      const { page, problems } = await openApp(context, app.baseUrl);

      await page.getByRole('button', { name: 'Talk without an account' }).click();
      const states = await recordVoiceStates(page);
      await page.getByRole('button', { name: 'Start talking' }).click();

      const heard = page.locator('.voice-line[data-speaker="user"]').first();
      await heard.waitFor({ timeout: 60_000 });
      const transcript = (await heard.innerText()).replace(/^You:\s*/, '');
      expect(transcript).toMatch(HEARD_QUESTION);
      await page.locator('.voice-line[data-speaker="assistant"]').first().waitFor();
      expect(await page.locator('.voice-line[data-speaker="assistant"]').first().innerText()).toContain(
        `You said: "${transcript}"`,
      );

      // The reply's audio, sentence by sentence, played through to the end.
      await playedChunks(page, 2);
      const panel = page.locator('section.voice-panel');
      expect(Number(await panel.getAttribute('data-received-chunks'))).toBeGreaterThanOrEqual(2);
      await saveScreenshot(page, 'voice-turn');
      expect(await states()).toEqual(
        expect.arrayContaining(['connecting', 'listening', 'thinking', 'speaking']),
      );
      const order = await states();
      expect(order.indexOf('connecting')).toBeLessThan(order.indexOf('listening'));
      expect(order.indexOf('listening')).toBeLessThan(order.indexOf('thinking'));
      expect(order.indexOf('thinking')).toBeLessThan(order.indexOf('speaking'));

      await page.getByRole('button', { name: 'Stop talking' }).click();
      await panel.and(page.locator('[data-voice-state="idle"]')).waitFor();
      expect(problems()).toEqual([]);
    },
  );

  it(
    'answers a typed question aloud, and a signed-in voice conversation joins the chat list',
    { timeout: 120_000 },
    async () => {
      app = await startTestApp();
      const { apiKey } = await app.createTenant('voice');
      browser = await launchChromium({ microphoneFile: microphoneFile(folder, 'silence', []) });
      const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
      await context.grantPermissions(['microphone'], { origin: app.baseUrl });
      const { page, problems } = await openApp(context, app.baseUrl);
      await signIn(page, { apiKey, userId: 'erin' });

      await page.getByRole('link', { name: 'Voice' }).click();
      await page.getByRole('button', { name: 'Start talking' }).click();
      await page.locator('section.voice-panel[data-voice-state="listening"]').waitFor();
      await page.getByLabel('Type instead', { exact: true }).fill('Hello by keyboard');
      await page.keyboard.press('Enter');
      await page.locator('.voice-line[data-speaker="assistant"]').first().waitFor();
      expect(await page.locator('.voice-line[data-speaker="user"]').innerText()).toBe(
        'You: Hello by keyboard',
      );
      await playedChunks(page, 1);

      await page.getByRole('link', { name: 'Chat' }).click();
      const conversations = page.getByRole('navigation', { name: 'Conversations' });
      await conversations.locator('li').first().waitFor();
      await conversations.locator('li button.conversation-open').first().click();
      await page.locator('article[data-role="user"]', { hasText: 'Hello by keyboard' }).waitFor();
      await page.locator('article[data-role="assistant"]', { hasText: 'Hello by keyboard' }).waitFor();
      expect(problems()).toEqual([]);
    },
  );

  it('stops playing the reply the moment the user speaks over it', { timeout: 120_000 }, async () => {
    app = await startTestApp({ ALLOW_ANONYMOUS: 'true' });
    // The reply to the first question is many seconds of speech; the second question comes while
    // it plays.
    browser = await launchChromium({ microphoneFile: microphoneFile(folder, 'barge-in', [0.5, 12]) });
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    await context.grantPermissions(['microphone'], { origin: app.baseUrl });
    const { page, problems } = await openApp(context, app.baseUrl);
    await page.getByRole('button', { name: 'Talk without an account' }).click();
    // Each change of the barge-in count, with the playback state and counts of the same render.
    await page.evaluate(() => {
      const seen: Array<{ bargeIns: number; playback: string; played: number; received: number }> = [];
      (window as unknown as { bargeIns: typeof seen }).bargeIns = seen;
      new MutationObserver(() => {
        const panel = document.querySelector<HTMLElement>('section.voice-panel');
        const bargeIns = Number(panel?.dataset.bargeIns ?? 0);
        if (panel === null || bargeIns === (seen.at(-1)?.bargeIns ?? 0)) return;
        seen.push({
          bargeIns,
          playback: panel.dataset.audioPlayback ?? '',
          played: Number(panel.dataset.playedChunks),
          received: Number(panel.dataset.receivedChunks),
        });
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-barge-ins'] });
    });
    await page.getByRole('button', { name: 'Start talking' }).click();

    await page.locator('section.voice-panel[data-audio-playback="playing"]').waitFor({ timeout: 60_000 });
    await page.locator('section.voice-panel[data-barge-ins="1"]').waitFor({ timeout: 60_000 });
    const [bargeIn] = await page.evaluate(() => (window as unknown as { bargeIns: unknown[] }).bargeIns);
    // Silent at once, with part of the reply never played.
    expect(bargeIn).toMatchObject({ bargeIns: 1, playback: 'idle' });
    const { played, received } = bargeIn as { played: number; received: number };
    expect(played).toBeLessThan(received);

    // The conversation goes on: the second question is heard and answered.
    await page.locator('.voice-line[data-speaker="user"]').nth(1).waitFor({ timeout: 60_000 });
    expect(
      (await page.locator('.voice-line[data-speaker="user"]').nth(1).innerText()).replace(/^You:\s*/, ''),
    ).toMatch(HEARD_QUESTION);
    await saveScreenshot(page, 'voice-barge-in');
    expect(problems()).toEqual([]);
  });
});
