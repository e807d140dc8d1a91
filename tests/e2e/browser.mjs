// What every browser check shares: headless Chromium launched the same way, a page that records
// console errors, failed requests and HTTP errors, the wait until the map is drawn and still,
// and an axe-core audit. The scripts beside this one import it; the Rust tests assert on what
// they print.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Headless Chromium with a software GL, as on a machine with no GPU. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--use-gl=swiftshader', '--enable-unsafe-swiftshader',
      '--disable-background-networking'],
  });
}

/** A reader's phone (an iPhone 12-15 class screen) and a desktop. */
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };

/**
 * A new page whose console and page errors are pushed onto `errors` (with `requests`, also failed
 * requests and HTTP errors 4xx/5xx), each prefixed with `label` when one is given.
 */
export async function openPage(browser, errors, { label = '', device = DESKTOP, requests = true } = {}) {
  const page = await browser.newPage(device);
  page.setDefaultTimeout(30000);
  const say = (text) => errors.push(label ? `${label}: ${text}` : text);
  page.on('console', (m) => { if (m.type() === 'error') say(`console: ${m.text()}`); });
  page.on('pageerror', (e) => say(`page: ${e.message}`));
  if (requests) {
    page.on('requestfailed', (r) => say(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => { if (r.status() >= 400) say(`HTTP ${r.status()}: ${r.url()}`); });
  }
  return page;
}

/** Waits until the viewer's map (window.borderland.map) has loaded, drawn its tiles and stopped. */
export function mapIdle(page, extra = 'true') {
  return page.waitForFunction(`(() => {
    const m = window.borderland && window.borderland.map;
    return m && m.loaded() && m.areTilesLoaded() && !m.isMoving() && (${extra});
  })()`, null, { polling: 200 });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules and best practices) in the page and returns
 * its violations as `{id, impact, help, targets}`; an empty list is a clean page.
 */
export async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ content: axeSource });
  }
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }));
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}

/** How far the page scrolls sideways (0 when nothing is wider than the screen). */
export function sidewaysScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
