import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAiServer } from '../fakes/fake-openai-server.ts';
import type { FakeVendorServer } from '../fakes/fake-vendor-server.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import {
  chromiumMissing,
  launchChromium,
  openApp,
  prepareWebApp,
  saveScreenshot,
  signIn,
} from './browser-test-kit.ts';

// What the model says, under the user's control and made harmless: a reply stopped mid-stream
// (the model call is aborted and the reply kept as heard), a reply carrying an XSS payload
// (shown as text, inert, live and from history), and the model picked from GET /v1/models. The
// model is a fake OpenAI server on loopback, scripted per test.

const missing = await chromiumMissing();

interface StoredMessage {
  role: string;
  content: string;
  status: string;
  model: string | null;
}

describe.skipIf(missing)('replies in the browser', () => {
  let browser: Browser;
  let context: BrowserContext;
  let fake: FakeVendorServer;
  let app: TestApp;
  let apiKey: string;

  beforeAll(async () => {
    await prepareWebApp();
    browser = await launchChromium();
    fake = await startFakeOpenAiServer();
    app = await startTestApp({
      OPENAI_API_KEY: 'sk-test-0123456789',
      OPENAI_BASE_URL: fake.baseUrl,
      DEFAULT_MODEL: 'openai:gpt-4o-mini',
    });
    ({ apiKey } = await app.createTenant('web'));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await fake?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  });

  afterEach(async () => {
    await context.close();
  });

  async function stored(chatId: string): Promise<StoredMessage[]> {
    const response = await app.request(`/api/v1/chats/${chatId}/messages`, { key: apiKey });
    return ((await response.json()) as { messages: StoredMessage[] }).messages;
  }

  it('stops a reply mid-stream: the model call is aborted and the reply is kept as far as it got', async () => {
    const before = fake.requests.length;
    // Two pieces, then the model goes quiet until the caller hangs up.
    fake.enqueue({
      type: 'stall',
      afterChunks: 2,
      chunks: ['The answer ', 'begins here', ' and never ends.'],
    });
    const { page, problems } = await openApp(context, app.baseUrl);
    await signIn(page, { apiKey, userId: 'carol' });
    await page.getByLabel('Message', { exact: true }).fill('Tell me everything');
    await page.keyboard.press('Enter');

    const reply = page.locator('article[data-role="assistant"]');
    await page
      .locator('article[data-role="assistant"][data-status="streaming"]', { hasText: 'begins here' })
      .waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('article[data-role="assistant"][data-status="interrupted"]').waitFor();
    expect((await reply.locator('.message-body').innerText()).trim()).toBe('The answer begins here');
    expect(await reply.getByText('Stopped').count()).toBe(1);
    // Send is back.
    await page.getByRole('button', { name: 'Send' }).waitFor();
    await saveScreenshot(page, 'chat-stopped-reply');

    const [request] = (await fake.waitForRequests(before + 1)).slice(before);
    await request?.clientClosed;
    expect(request?.closedByClient).toBe(true);

    const chatId = new URL(page.url()).hash.replace('#chat/', '');
    expect(await stored(chatId)).toMatchObject([
      { role: 'user', content: 'Tell me everything', status: 'complete' },
      { role: 'assistant', content: 'The answer begins here', status: 'interrupted' },
    ]);
    await page.reload();
    await page
      .locator('article[data-role="assistant"][data-status="interrupted"]', {
        hasText: 'The answer begins here',
      })
      .waitFor();
    expect(problems()).toEqual([]);
  });

  it('renders a reply carrying an XSS payload as inert text, live and from history', async () => {
    fake.enqueue({
      type: 'stream',
      chunks: [
        'Here: <img src=x onerror="window.pwned=\'img\'">',
        ' and <script>window.pwned="script"</script>',
        ' and <iframe src="javascript:window.parent.pwned=\'iframe\'"></iframe>',
        "\n\n[click me](javascript:window.pwned='link')",
        ' <a href="javascript:window.pwned=\'anchor\'">raw anchor</a>',
        ' ![pic](x" onerror="window.pwned=\'alt\')',
        ' and **still Markdown**.',
      ],
    });
    const { page, problems } = await openApp(context, app.baseUrl);
    await signIn(page, { apiKey, userId: 'mallory' });
    await page.getByLabel('Message', { exact: true }).fill('Say something nasty');
    await page.keyboard.press('Enter');
    await page.locator('article[data-role="assistant"][data-status="complete"]').waitFor();

    const checkInert = async () => {
      const reply = page.locator('article[data-role="assistant"]');
      expect(await reply.locator('img, script, iframe, object, embed').count()).toBe(0);
      const text = await reply.locator('.message-body').innerText();
      expect(text).toContain('<img src=x onerror="window.pwned=\'img\'">');
      expect(text).toContain('<script>window.pwned="script"</script>');
      expect(await reply.locator('strong').innerText()).toBe('still Markdown');
      const hrefs = await reply
        .locator('a')
        .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
      expect(hrefs.filter((href) => href !== null && /^\s*javascript:/i.test(href))).toEqual([]);
      // The Markdown link lost its target: clicking it runs nothing.
      await reply.getByText('click me').click();
      expect(await page.evaluate(() => (window as unknown as { pwned?: string }).pwned)).toBeUndefined();
    };
    await checkInert();
    await saveScreenshot(page, 'chat-xss-inert');
    await page.reload();
    await page.locator('article[data-role="assistant"][data-status="complete"]').waitFor();
    await checkInert();
    expect(problems()).toEqual([]);
  });

  it('answers with the model picked from the list the server offers', async () => {
    const before = fake.requests.length;
    const { page, problems } = await openApp(context, app.baseUrl);
    await signIn(page, { apiKey, userId: 'dave' });
    const picker = page.getByLabel('Model', { exact: true });
    await page.locator('select option', { hasText: 'Built-in stand-in' }).waitFor({ state: 'attached' });
    const offered = await picker.locator('option').allInnerTexts();
    expect(offered[0]).toBe('openai:gpt-4o-mini (default)');
    expect(offered).toContain('Built-in stand-in');
    await picker.selectOption({ label: 'Built-in stand-in' });

    await page.getByLabel('Message', { exact: true }).fill('Which model are you?');
    await page.keyboard.press('Enter');
    await page.locator('article[data-role="assistant"][data-status="complete"]').waitFor();
    expect(await page.locator('article[data-role="assistant"]').innerText()).toContain(
      "cai's built-in offline stand-in",
    );
    expect(fake.requests.length).toBe(before);
    const chatId = new URL(page.url()).hash.replace('#chat/', '');
    expect((await stored(chatId)).at(-1)).toMatchObject({
      role: 'assistant',
      model: 'builtin:offline-stand-in',
    });

    // The choice is remembered.
    await page.reload();
    await page.locator('select option', { hasText: 'Built-in stand-in' }).waitFor({ state: 'attached' });
    expect(await picker.inputValue()).toBe('builtin:offline-stand-in');
    expect(problems()).toEqual([]);
  });
});
