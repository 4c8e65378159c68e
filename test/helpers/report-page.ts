// Opening a report in Debian's headless Chromium through playwright-core (no browser download).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** CI installs chromium (.ci/run): there a missing browser fails; elsewhere those tests skip. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM) || process.env.CI === 'true';

/** src/href/url() pointing anywhere over the network. */
export const EXTERNAL_REF = /(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?\/\/|url\(\s*["']?(?:https?:)?\/\/|@import/i;

export interface OpenedReport {
  browser: Browser;
  page: Page;
  /** Console errors, page errors and any request that is not the file itself. */
  problems: string[];
}

export async function openReport(file: string): Promise<OpenedReport> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => r.url() !== `file://${file}` && problems.push(`request: ${r.url()}`));
  await page.goto(`file://${file}`);
  return { browser, page, problems };
}
