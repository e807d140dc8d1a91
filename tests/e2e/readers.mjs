// The viewer as its readers meet it, run by tests/readers.rs: on a phone and a desktop (axe-core,
// sideways scrolling, how much of the screen the map covers, touch target sizes), with the
// keyboard only (Tab to a place, Enter for its claims, Esc back), inside an article (the embed
// snippet pasted into a page), and on paper (the CSV link, page.pdf, "Download image"). Prints
// one JSON report; the Rust test asserts on it, so this script checks nothing itself.
//
//   node tests/e2e/readers.mjs URL OUT_DIR PLACE [full|access] [PUBLIC_URL]
//
// PLACE is a name the keyboard must reach; `access` runs only the axe and keyboard checks;
// PUBLIC_URL (the server's --public-url) is answered by the server at URL, as a proxy would.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, mapIdle, axe, sidewaysScroll, PHONE, DESKTOP } from './browser.mjs';

const [url, out, place, scope = 'full', publicUrl = ''] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const browser = await launch();
const report = { errors: [] };

/** Requests for the public URL answered by the server at `url` (a reverse proxy's job). */
async function proxy(page) {
  if (!publicUrl) return;
  await page.route(`${publicUrl}**`, async (route) => {
    const to = url + route.request().url().slice(publicUrl.length);
    try {
      const response = await route.fetch({ url: to });
      await route.fulfill({ response });
    } catch (e) {
      // A request the page dropped meanwhile (a tile MapLibre no longer needs, a page being
      // closed) has no one left to answer; anything else is the proxy failing.
      if (!/disposed|closed|cancel/i.test(String(e))) report.errors.push(`proxy ${to}: ${e}`);
    }
  });
}

async function open(device, label, hash = '') {
  const page = await openPage(browser, report.errors, { device, label });
  await proxy(page);
  await page.goto(url + hash);
  await mapIdle(page, "document.querySelector('#legend').children.length > 0 && document.querySelector('#map-description').textContent.length > 0");
  return page;
}

async function step(name, fn) {
  try { await fn(); } catch (e) { report.errors.push(`${name}: ${e.stack || e}`); }
}

/** Tab from the top of the page until a button named `name` has focus; how many presses. */
async function tabTo(page, name) {
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  for (let i = 1; i <= 200; i += 1) {
    await page.keyboard.press('Tab');
    const text = await page.evaluate(() => (document.activeElement ? document.activeElement.textContent.trim() : ''));
    if (text === name) return i;
  }
  return null;
}

/** Keyboard only: Tab to `name`, Enter, read the popup, Esc. */
async function keyboard(page) {
  const r = {};
  r.tabs = await tabTo(page, place);
  if (r.tabs === null) return r;
  await page.keyboard.press('Enter');
  const popup = page.locator('.maplibregl-popup');
  await popup.waitFor({ timeout: 15000 });
  r.popup = await popup.innerText();
  r.focusInPopup = await page.evaluate(() => Boolean(document.activeElement && document.activeElement.closest('.maplibregl-popup')));
  r.popupRole = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('role'));
  r.axeWithPopup = await axe(page);
  await page.keyboard.press('Escape');
  r.popupsAfterEsc = await page.locator('.maplibregl-popup').count();
  r.focusAfterEsc = await page.evaluate(() => (document.activeElement ? document.activeElement.textContent.trim() : ''));
  return r;
}

try {
  // ---- desktop ------------------------------------------------------------------------------
  const desk = await open(DESKTOP, 'desktop');
  await step('desktop', async () => {
    report.desktop = { axe: await axe(desk), sideways: await sidewaysScroll(desk) };
    report.description = await desk.locator('#map-description').textContent();
    report.mapDescribedBy = await desk.evaluate(() => document.querySelector('#map').getAttribute('aria-describedby'));
    report.keyboard = await keyboard(desk);
  });

  // ---- phone --------------------------------------------------------------------------------
  const phone = await open(PHONE, 'phone');
  await step('phone', async () => {
    const r = { axe: await axe(phone), sideways: await sidewaysScroll(phone) };
    r.mapShare = await phone.evaluate(() => {
      const m = document.querySelector('#map').getBoundingClientRect();
      const head = document.querySelector('#panel').getBoundingClientRect();
      const visible = Math.max(0, Math.min(m.bottom, head.top) - m.top) * m.width;
      return visible / (window.innerWidth * window.innerHeight);
    });
    r.attribution = await phone.evaluate(() => {
      const a = document.querySelector('.maplibregl-ctrl-attrib');
      return { compact: a.classList.contains('maplibregl-compact'), open: a.hasAttribute('open') || a.classList.contains('maplibregl-compact-show'), height: a.getBoundingClientRect().height };
    });
    await phone.click('#sheet-toggle');
    await phone.locator('#legend').waitFor({ state: 'visible' });
    r.sheetOrder = await phone.evaluate(() => ['#legend-section', '#filters-section', '#notes-block']
      .map((s) => Math.round(document.querySelector(s).getBoundingClientRect().top)));
    r.sheetAxe = await axe(phone);
    r.sheetSideways = await sidewaysScroll(phone);
    r.smallTargets = await phone.evaluate(() => [...document.querySelectorAll('#panel button, #panel select, #panel input, #downloads a, .maplibregl-ctrl button')]
      .filter((e) => e.offsetParent !== null)
      .map((e) => {
        // A checkbox's target is the box and its label together.
        const label = e.type === 'checkbox' && e.id ? document.querySelector(`label[for="${e.id}"]`) : null;
        const a = e.getBoundingClientRect(), b = label ? label.getBoundingClientRect() : a;
        return { what: e.id || e.textContent.trim().slice(0, 30) || e.className,
          w: Math.max(a.right, b.right) - Math.min(a.left, b.left), h: Math.max(a.bottom, b.bottom) - Math.min(a.top, b.top) };
      })
      .filter((t) => t.h < 44 || t.w < 44));
    r.keyboard = await keyboard(phone);
    report.phone = r;
    await phone.setViewportSize({ width: 320, height: 640 });
    await phone.waitForTimeout(300);
    report.phone.sideways320 = await sidewaysScroll(phone);
    await phone.click('#sheet-toggle');
    report.phone.sideways320Closed = await sidewaysScroll(phone);
  });

  if (scope === 'full') {
    // ---- the text alternative follows the filters -------------------------------------------
    await step('description', async () => {
      const option = await desk.$$eval('#group-picker option', (os) => os.filter((o) => o.value).map((o) => ({ value: o.value, text: o.textContent }))[0]);
      const before = await desk.locator('#map-description').textContent();
      await desk.selectOption('#group-picker', option.value);
      await desk.waitForFunction((b) => document.querySelector('#map-description').textContent !== b, before);
      report.descriptionGroup = { group: option.text, text: await desk.locator('#map-description').textContent(),
        live: await desk.evaluate(() => document.querySelector('#map-description').getAttribute('aria-live')) };
      report.downloadsFiltered = await desk.$$eval('#downloads a', (as) => as.map((a) => a.getAttribute('href')));
      await desk.selectOption('#group-picker', '');
      await desk.waitForFunction((b) => document.querySelector('#map-description').textContent === b, before);
      // A time window: every layer's links ask only for the filters it declares.
      await desk.focus('#to-slider');
      await desk.keyboard.press('Home');
      await desk.waitForFunction((b) => document.querySelector('#map-description').textContent !== b, before);
      report.descriptionWindow = await desk.locator('#map-description').textContent();
      report.downloadsWindow = await desk.$$eval('#downloads a', (as) => as.map((a) => a.getAttribute('href')));
      for (const href of report.downloadsWindow) {
        const res = await desk.evaluate(async (h) => (await fetch(h)).status, href);
        if (res !== 200) report.errors.push(`download ${href}: HTTP ${res}`);
      }
      await desk.click('#all-dates');
      await desk.waitForFunction((b) => document.querySelector('#map-description').textContent === b, before);
    });

    // ---- downloads ------------------------------------------------------------------------------
    await step('downloads', async () => {
      report.downloads = [];
      for (const a of await desk.$$('#downloads a')) {
        const href = await a.getAttribute('href');
        const [download] = await Promise.all([desk.waitForEvent('download'), a.click()]);
        const name = download.suggestedFilename();
        const file = join(out, `download-${report.downloads.length}-${name}`);
        await download.saveAs(file);
        report.downloads.push({ href, format: await a.getAttribute('data-format'), layer: await a.getAttribute('data-layer'), file });
      }
    });

    // ---- the embed snippet, pasted into an article on a phone -------------------------------
    await step('embed', async () => {
      await desk.click('#embed-button');
      const code = await desk.locator('#embed-code').inputValue();
      report.embed = { code };
      const host = await openPage(browser, report.errors, { device: PHONE, label: 'article' });
      await proxy(host);
      await host.setContent(`<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>An article</title></head>
        <body style="margin:0"><main><article style="max-width:720px;margin:0 auto;padding:0 16px"><h1>A news article</h1><p>Text before the map.</p>${code}<p>Text after the map.</p></article></main></body></html>`);
      const frameEl = await host.waitForSelector('iframe[data-borderland-embed]');
      const frame = await frameEl.contentFrame();
      await frame.waitForFunction(() => window.borderland && window.borderland.map && window.borderland.map.loaded()
        && document.querySelector('#legend').children.length > 0, null, { polling: 200, timeout: 30000 });
      await host.waitForFunction(() => document.querySelector('iframe').style.height !== '560px', null, { timeout: 15000 }).catch(() => {});
      report.embed.sideways = await sidewaysScroll(host);
      report.embed.iframe = await host.evaluate(() => {
        const f = document.querySelector('iframe');
        const r = f.getBoundingClientRect();
        return { width: r.width, height: r.height, styleHeight: f.style.height, viewport: window.innerWidth };
      });
      report.embed.page = await frame.evaluate(() => ({
        height: document.documentElement.scrollHeight,
        visible: ['#title', '#legend', '#embed-notes-toggle', '#full-view', '#filters-section', '#claims-section', '#share-section']
          .map((s) => [s, Boolean(document.querySelector(s) && document.querySelector(s).offsetParent !== null)]),
        fullView: document.querySelector('#full-view').href,
        description: document.querySelector('#map-description').textContent,
      }));
      report.embed.axe = await axe(frame);
      await host.close();
    });

    // ---- paper and picture ----------------------------------------------------------------------
    await step('print', async () => {
      const file = join(out, 'print.pdf');
      await desk.emulateMedia({ media: 'print' });
      await desk.waitForTimeout(300);
      await desk.pdf({ path: file, format: 'A4', printBackground: true });
      await desk.emulateMedia({ media: 'screen' });
      report.pdf = file;
    });
    await step('image', async () => {
      await mapIdle(desk);
      const [download] = await Promise.all([desk.waitForEvent('download'), desk.click('#image-button')]);
      const file = join(out, download.suggestedFilename());
      await download.saveAs(file);
      report.image = { file, name: download.suggestedFilename() };
      // Read back in a page of its own: size, transparency, and colour in the map and legend.
      const check = await browser.newPage();
      const data = (await import('node:fs')).readFileSync(file).toString('base64');
      report.image.pixels = await check.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width; c.height = img.height;
        const ctx = c.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const { data } = ctx.getImageData(0, 0, c.width, c.height);
        let transparent = 0, colourful = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] < 255) transparent += 1;
          const mx = Math.max(data[i], data[i + 1], data[i + 2]), mn = Math.min(data[i], data[i + 1], data[i + 2]);
          if (mx - mn > 60) colourful += 1;
        }
        return { width: c.width, height: c.height, transparent, colourful };
      }, data);
      report.image.map = await desk.evaluate(() => ({ width: window.borderland.map.getCanvas().width, height: window.borderland.map.getCanvas().height }));
      await check.close();
    });
  }
  writeFileSync(join(out, 'report.json'), JSON.stringify(report, null, 1));
} catch (e) {
  report.errors.push(`check: ${e.stack || e}`);
} finally {
  await browser.close();
}
// MapLibre cancels the tile requests of a view it has left (the list moves the map), vector
// tiles and the terrain's pictures alike: those aborts are not failures.
report.errors = report.errors.filter((e) => !/request failed: \S+\.(mvt|png)(\?\S*)? net::ERR_ABORTED/.test(e));
console.log(JSON.stringify(report));
