import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineReply } from '../../src/models/offline-chat-model.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import {
  chromiumMissing,
  launchChromium,
  openApp,
  prepareWebApp,
  saveScreenshot,
  signIn,
} from './browser-test-kit.ts';
import { startCuttableProxy, type CuttableProxy } from './cuttable-proxy.ts';

// The network drops while a reply streams: the page says so, reconnects, resumes the stream, and
// the reply arrives whole, each word once. The browser reaches cai through a proxy the test cuts.

const missing = await chromiumMissing();

describe.skipIf(missing)('a dropped connection in the browser', () => {
  let browser: Browser;
  let app: TestApp;
  let proxy: CuttableProxy;

  beforeAll(async () => {
    await prepareWebApp();
    browser = await launchChromium();
    // Slow enough that the cut lands mid-reply.
    app = await startTestApp({ OFFLINE_MODEL_TOKEN_DELAY_MS: '40' });
    proxy = await startCuttableProxy(app.baseUrl);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await app?.close();
  });

  it('shows the reconnect, resumes the stream and loses nothing of the reply', async () => {
    const { apiKey } = await app.createTenant('web');
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    const { page, problems } = await openApp(context, proxy.baseUrl);
    await signIn(page, { apiKey, userId: 'grace' });
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { connectionStates: string[] }).connectionStates = seen;
      const record = () => {
        const state = document.querySelector<HTMLElement>('[data-connection]')?.dataset.connection;
        if (state !== undefined && seen.at(-1) !== state) seen.push(state);
      };
      new MutationObserver(record).observe(document.body, {
        subtree: true,
        attributes: true,
        attributeFilter: ['data-connection'],
      });
      record();
    });

    const question = 'Please keep talking';
    await page.getByLabel('Message', { exact: true }).fill(question);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => {
      const bubble = document.querySelector<HTMLElement>(
        'article[data-role="assistant"][data-status="streaming"]',
      );
      return (bubble?.querySelector('.message-body')?.textContent ?? '').length > 30;
    });
    expect(proxy.cut()).toBeGreaterThan(0);

    await page.locator('[data-connection="resumed"]').waitFor();
    await page.locator('article[data-role="assistant"][data-status="complete"]').waitFor();
    const expected = offlineReply([{ role: 'user', content: question }]);
    expect((await page.locator('article[data-role="assistant"] .message-body').innerText()).trim()).toBe(
      expected,
    );
    expect(Number(await page.locator('article[data-role="assistant"]').getAttribute('data-chunks'))).toBe(
      expected.match(/\s*\S+/g)?.length,
    );
    const states = await page.evaluate(
      () => (window as unknown as { connectionStates: string[] }).connectionStates,
    );
    expect(states.slice(-2)).toEqual(['reconnecting', 'resumed']);
    expect(await page.getByRole('status').filter({ hasText: 'Reconnected' }).count()).toBe(1);
    await saveScreenshot(page, 'chat-resumed-after-drop');
    expect(problems()).toEqual([]);
    await context.close();
  });
});
