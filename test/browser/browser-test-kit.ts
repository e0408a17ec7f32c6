import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { findExecutable } from '../../src/voice/find-executable.ts';
import { buildWebApp, REPOSITORY_ROOT } from '../../web/scripts/web-build.ts';
import { PUBLIC_SETTING_NAMES, staleReason } from '../../web/scripts/web-build-state.ts';

// The browser app end to end: Debian's Chromium driven by playwright-core against a real cai
// (test/support/test-app.ts) serving the real static export. The export is built once, on demand,
// by whichever test file gets there first; screenshots go to test-artifacts/browser/.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? 'chromium';
export const ARTIFACTS = path.join(REPOSITORY_ROOT, 'test-artifacts', 'browser');
const BUILD_LOCK_STALE_MS = 15 * 60 * 1000;

/** Whether Chromium is missing: a failure under CI=true, a printed skip elsewhere. */
export async function chromiumMissing(): Promise<boolean> {
  if ((await findExecutable(CHROMIUM)) !== undefined) return false;
  const message = `${CHROMIUM} not installed (apt-get install chromium), or set CHROMIUM_PATH`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`Skipping browser tests: ${message}`);
  return true;
}

/**
 * Builds web/out/ if it is missing or stale, with doc 001's default settings (the app then talks to
 * the cai that serves it). Test files run in parallel processes: a lock directory lets one build
 * while the others wait, then find the build fresh.
 */
export async function prepareWebApp(): Promise<void> {
  const paths = { root: REPOSITORY_ROOT };
  const lock = path.join(
    tmpdir(),
    `cai-web-build-${createHash('sha256').update(REPOSITORY_ROOT).digest('hex').slice(0, 12)}.lock`,
  );
  await acquire(lock);
  try {
    const reason = staleReason(paths, {});
    if (reason === undefined) return;
    console.log(`Building the web app for the browser tests (${reason})…`);
    const environment = { ...process.env };
    for (const name of PUBLIC_SETTING_NAMES) delete environment[name];
    await buildWebApp({ paths, environment, quiet: true });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function acquire(lock: string): Promise<void> {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a crashed run would otherwise block every later one.
      try {
        if (Date.now() - statSync(lock).mtimeMs > BUILD_LOCK_STALE_MS)
          rmSync(lock, { recursive: true, force: true });
      } catch {
        // Released meanwhile.
      }
      await sleep(250);
    }
  }
}

export interface LaunchOptions {
  /** A WAV file the fake microphone plays, in a loop. */
  microphoneFile?: string;
}

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = (await findExecutable(CHROMIUM)) ?? CHROMIUM;
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      ...(options.microphoneFile === undefined
        ? []
        : [
            '--use-fake-device-for-media-stream',
            '--use-fake-ui-for-media-stream',
            `--use-file-for-fake-audio-capture=${options.microphoneFile}`,
          ]),
    ],
  });
}

/**
 * A page on the app, watched for problems: `problems()` lists its errors, console errors, dialogs
 * and Content-Security-Policy violations so far, across reloads.
 */
export async function openApp(
  context: BrowserContext,
  baseUrl: string,
): Promise<{ page: Page; problems: () => string[] }> {
  const page = await context.newPage();
  const seen: string[] = [];
  page.on('pageerror', (error) => seen.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') seen.push(`console error: ${message.text()}`);
  });
  page.on('dialog', (dialog) => {
    seen.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  // Survives reloads, unlike state kept in the page.
  await page.exposeFunction('reportCspViolation', (violation: string) =>
    seen.push(`CSP violation: ${violation}`),
  );
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { reportCspViolation: (violation: string) => void })
        .reportCspViolation;
      report(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  await page.goto(`${baseUrl}/app/`);
  return { page, problems: () => [...seen] };
}

export async function signIn(page: Page, credentials: { apiKey: string; userId: string }): Promise<void> {
  await page.getByLabel('API key', { exact: true }).fill(credentials.apiKey);
  await page.getByLabel('Your name', { exact: true }).fill(credentials.userId);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Message', { exact: true }).waitFor();
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
