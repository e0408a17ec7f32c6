import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

// Text chat in Chromium against a real cai and the built-in offline model: a reply streams in
// token by token, and the conversation is there again after a reload; long histories page; a
// conversation can be deleted.

const missing = await chromiumMissing();

interface StoredMessage {
  role: string;
  content: string;
  status: string;
}

async function storedMessages(
  app: TestApp,
  options: { chatId: string; apiKey: string },
): Promise<StoredMessage[]> {
  const response = await app.request(`/api/v1/chats/${options.chatId}/messages?limit=100`, {
    key: options.apiKey,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { messages: StoredMessage[] }).messages;
}

describe.skipIf(missing)('text chat in the browser', () => {
  let browser: Browser;
  let context: BrowserContext;
  let app: TestApp | undefined;

  beforeAll(async () => {
    await prepareWebApp();
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  });

  afterEach(async () => {
    await context.close();
    await app?.close();
    app = undefined;
  });

  it('streams a reply token by token, then shows the conversation again after a reload', async () => {
    // A pause per word, so the page is seen mid-reply.
    app = await startTestApp({ OFFLINE_MODEL_TOKEN_DELAY_MS: '15' });
    const { apiKey } = await app.createTenant('web');
    const { page, problems } = await openApp(context, app.baseUrl);
    await signIn(page, { apiKey, userId: 'alice' });

    const question = 'Hello there, **friend**';
    await page.getByLabel('Message', { exact: true }).fill(question);
    await page.keyboard.press('Enter');

    const reply = page.locator('article[data-role="assistant"]');
    // Part of the reply on screen while the rest is still coming.
    const partial = await page.waitForFunction(() => {
      const bubble = document.querySelector<HTMLElement>('article[data-role="assistant"]');
      const text = bubble?.querySelector('.message-body')?.textContent ?? '';
      return bubble?.dataset.status === 'streaming' && text.length > 20 ? text : false;
    });
    const partialText = String(await partial.jsonValue());
    await page.locator('article[data-role="assistant"][data-status="complete"]').waitFor();

    const expected = offlineReply([{ role: 'user', content: question }]);
    // The Markdown in the echoed question is rendered: compare the text the user reads.
    const shown = (await reply.locator('.message-body').innerText()).trim();
    expect(shown).toBe(expected.replace('**friend**', 'friend'));
    expect(shown.startsWith(partialText.trim())).toBe(true);
    expect(partialText.trim().length).toBeLessThan(shown.length);
    expect(await reply.locator('strong').innerText()).toBe('friend');
    expect(Number(await reply.getAttribute('data-chunks'))).toBe(expected.match(/\s*\S+/g)?.length);
    await saveScreenshot(page, 'chat-streamed-reply');

    const chatId = new URL(page.url()).hash.replace('#chat/', '');
    expect(await storedMessages(app, { chatId, apiKey })).toMatchObject([
      { role: 'user', content: question, status: 'complete' },
      { role: 'assistant', content: expected, status: 'complete' },
    ]);

    await page.reload();
    await page.locator('article[data-role="assistant"][data-status="complete"]').waitFor();
    const conversation = page
      .getByRole('navigation', { name: 'Conversations' })
      .locator(`li[data-chat-id="${chatId}"]`);
    expect(await conversation.innerText()).toContain(question);
    expect(
      await conversation.getByRole('button', { name: question, exact: true }).getAttribute('aria-current'),
    ).toBe('page');
    expect(await page.locator('article[data-role="user"]').innerText()).toContain(question);
    expect((await page.locator('article[data-role="assistant"] .message-body').innerText()).trim()).toBe(
      shown,
    );
    await saveScreenshot(page, 'chat-after-reload');
    expect(problems()).toEqual([]);
  });

  it('shows a long conversation a page at a time, and deletes a conversation after asking', async () => {
    app = await startTestApp();
    const { apiKey } = await app.createTenant('web');
    const created = await app.request('/api/v1/chats', {
      method: 'POST',
      key: apiKey,
      json: { user_id: 'bob', title: 'Long one' },
    });
    const chatId = ((await created.json()) as { id: string }).id;
    // 17 turns: 34 messages, more than the 30 the first page shows.
    for (let turn = 1; turn <= 17; turn += 1) {
      const sent = await app.request(`/api/v1/chats/${chatId}/messages`, {
        method: 'POST',
        key: apiKey,
        json: { content: `Question number ${turn}` },
      });
      expect(sent.status).toBe(200);
    }
    const { page, problems } = await openApp(context, app.baseUrl);
    await signIn(page, { apiKey, userId: 'bob' });
    await page.getByRole('button', { name: 'Long one', exact: true }).click();
    await page.locator('article[data-role="user"]').first().waitFor();
    expect(await page.locator('article.message').count()).toBe(30);
    expect(await page.locator('article[data-role="user"]').last().innerText()).toContain(
      'Question number 17',
    );

    await page.getByRole('button', { name: 'Show earlier messages' }).click();
    await page.locator('article.message').nth(33).waitFor();
    expect(await page.locator('article.message').count()).toBe(34);
    expect(await page.locator('article[data-role="user"]').first().innerText()).toContain(
      'Question number 1',
    );
    expect(await page.getByRole('button', { name: 'Show earlier messages' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Delete conversation: Long one' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('No conversations yet.').waitFor();
    expect((await app.request(`/api/v1/chats/${chatId}`, { key: apiKey })).status).toBe(404);
    expect(problems()).toEqual([]);
  });

  it('works with the keyboard alone on a phone-sized screen, every control named', async () => {
    app = await startTestApp();
    const { apiKey } = await app.createTenant('web');
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      const { page, problems } = await openApp(phone, app.baseUrl);
      await page.getByLabel('API key', { exact: true }).waitFor();
      // Tab to the first field, type, Tab to the next, Enter submits.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key');
      await page.keyboard.type(apiKey);
      await page.keyboard.press('Tab');
      await page.keyboard.type('frank');
      await page.keyboard.press('Enter');
      // Signed in, the message field has the focus: type and press Enter.
      await page.getByLabel('Message', { exact: true }).waitFor();
      await page.waitForFunction(() => document.activeElement?.tagName === 'TEXTAREA');
      await page.keyboard.type('Hi from a phone');
      await page.keyboard.press('Enter');
      await page.locator('article[data-role="assistant"][data-status="complete"]').waitFor();

      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('button, a[href], input, select, textarea')]
          .filter((control) => {
            const labelled =
              (control as HTMLInputElement).labels?.length ||
              control.getAttribute('aria-label') ||
              control.textContent?.trim();
            return !labelled;
          })
          .map((control) => control.outerHTML),
      );
      expect(unnamed).toEqual([]);
      // Nothing wider than the screen: no sideways scrolling.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      expect(await page.getByRole('button', { name: 'Send' }).isVisible()).toBe(true);
      await saveScreenshot(page, 'chat-phone');

      await page.getByRole('link', { name: 'Voice' }).click();
      await page.getByRole('button', { name: 'Start talking' }).waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await saveScreenshot(page, 'voice-phone');
      expect(problems()).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
