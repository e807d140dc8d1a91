// Browser test of the viewer, run by tests/browser.rs against a release server it started:
// validates the served styles with the MapLibre style spec, then drives headless Chromium
// through what a journalist does (load, find Paktika, click it, move the time slider).
//
//   BORDERLAND_URL=http://127.0.0.1:8080/ BORDERLAND_E2E_OUT=target/e2e node tests/e2e/viewer.mjs

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { launch, openPage, mapIdle } from './browser.mjs';

const base = (process.env.BORDERLAND_URL || 'http://127.0.0.1:8080/').replace(/\/?$/, '/');
const out = process.env.BORDERLAND_E2E_OUT || 'target/e2e';
const failures = [];
let passed = 0;

function check(name, ok, detail = '') {
  if (ok) { passed += 1; console.log(`ok - ${name}`); } else { failures.push(name); console.log(`FAIL - ${name} ${detail}`); }
}

async function step(name, fn) {
  try { await fn(); } catch (e) { check(name, false, e.stack || String(e)); }
}

// ---- the styles validate, with absolute URLs for this server ------------------------------

for (const name of ['explainer', 'presence']) {
  await step(`style ${name} loads`, async () => {
    const res = await fetch(`${base}styles/${name}.json`);
    check(`style ${name} is served`, res.ok, `HTTP ${res.status}`);
    const style = await res.json();
    const errors = validateStyleMin(style);
    check(`style ${name} validates with the style spec`, errors.length === 0,
      errors.map((e) => e.message).join('; '));
    check(`style ${name} points at this server`,
      style.glyphs.startsWith(base) && Object.values(style.sources).every((s) => s.url.startsWith(base)));
  });
}

// ---- the viewer in a real browser ---------------------------------------------------------

const browser = await launch();
const consoleErrors = [];
const tileRequests = [];
try {
  const page = await openPage(browser, consoleErrors);
  page.on('request', (r) => { if (r.url().includes('.mvt')) tileRequests.push(r.url()); });

  await page.goto(`${base}#map=5.5/33.3/68.5`);
  await page.waitForFunction(() => window.borderland && window.borderland.map);
  // Idle: style, tiles and glyphs loaded and drawn.
  await mapIdle(page);
  check('the map reaches idle', true);

  const paktika = ['==', ['get', 'iso_3166_2'], 'AF-PKA'];
  const found = await page.evaluate((filter) => {
    const m = window.borderland.map;
    const poly = m.queryRenderedFeatures({ layers: ['provinces-incidents'], filter });
    const label = m.queryRenderedFeatures({ layers: ['province_labels-labels'], filter });
    return { poly: poly.length, label: label.map((f) => ({ name: f.properties.name, at: f.geometry.coordinates })) };
  }, paktika);
  check("Paktika's polygon is rendered (provinces, AF-PKA)", found.poly > 0);
  check("Paktika's label is rendered, once", found.label.length === 1 && found.label[0].name === 'Paktika',
    JSON.stringify(found.label));

  await step('clicking Paktika opens a popup naming the source', async () => {
    const { x, y, source } = await page.evaluate((filter) => {
      const m = window.borderland.map;
      const [f] = m.queryRenderedFeatures({ layers: ['province_labels-labels'], filter });
      const p = m.project(f.geometry.coordinates);
      const r = m.getCanvas().getBoundingClientRect();
      const claims = JSON.parse(f.properties.presence_claims || '[]').concat(JSON.parse(f.properties.incidents_claims || '[]'));
      // Just below the label, on the polygon.
      return { x: r.left + p.x, y: r.top + p.y + 14, source: claims[0] && claims[0].source };
    }, paktika);
    await page.mouse.click(x, y);
    const popup = page.locator('.maplibregl-popup');
    await popup.waitFor();
    const text = await popup.innerText();
    check('the popup names Paktika', text.includes('Paktika'), text.slice(0, 200));
    check('the popup names the source of its claims', Boolean(source) && text.includes(source) && text.includes('Source:'),
      `expected source ${source} in ${text.slice(0, 300)}`);
    check('the popup gives the report date', text.includes('Report date'));
    await page.keyboard.press('Escape');
    await page.evaluate(() => document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove()));
  });

  const incidents = () => page.evaluate(() => {
    const m = window.borderland.map;
    return m.queryRenderedFeatures({ layers: ['incidents-points'] })
      .reduce((n, f) => n + (f.properties.cluster ? Number(f.properties.point_count) : 1), 0);
  });
  const idle = () => page.waitForFunction(() => {
    const m = window.borderland.map;
    return m.loaded() && m.areTilesLoaded();
  }, null, { polling: 200 });

  await step('the time slider filters the tiles', async () => {
    const before = await incidents();
    check('one dated incident is drawn with no time window', before === 1, `got ${before}`);
    const seen = tileRequests.length;
    // Window Aug 2021 only: before the one dated incident (Jan 2026).
    await page.focus('#to-slider');
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.querySelector('#time-status').textContent.includes('Undated incidents are hidden'));
    await page.waitForFunction((n) => window.borderland.map.queryRenderedFeatures({ layers: ['incidents-points'] }).length === n, 0);
    await idle();
    const windowed = tileRequests.slice(seen);
    check('tiles are requested with the new time filter',
      windowed.some((u) => u.includes('from=2021-08-01') && u.includes('to=2021-08-31')), windowed.slice(0, 3).join(' '));
    const during = await incidents();
    check('no incident is drawn for August 2021', during === 0, `got ${during}`);
    check('the window is in the URL hash', (await page.evaluate(() => location.hash)).includes('from=2021-08'));
    // Back to a window that holds January 2026.
    await page.keyboard.press('End');
    await page.waitForFunction(() => window.borderland.map.queryRenderedFeatures({ layers: ['incidents-points'] }).length > 0);
    await idle();
    const after = await incidents();
    check('the incident is drawn again once the window holds January 2026', after === 1, `got ${after}`);
  });

  await step('the page shows the notes and the attribution', async () => {
    const notes = await page.locator('#panel').innerText();
    check('the boundary note is visible', notes.includes('does not recognise') && notes.includes('Kashmir'));
    check('the claims note is visible', notes.includes('one partisan source') && notes.includes('not') && notes.includes('verified facts'));
    const attribution = await page.locator('.maplibregl-ctrl-attrib').innerText();
    check('the attribution is visible', attribution.includes('Natural Earth'), attribution);
    const legend = await page.locator('#legend').innerText();
    check('the legend is read from the style', legend.includes('Reported incidents') && legend.includes('ISIL-K'), legend.slice(0, 200));
    const toggles = await page.locator('#layer-list input[type=checkbox]').count();
    check('the layer list has toggles', toggles >= 5, `got ${toggles}`);
  });

  mkdirSync(out, { recursive: true });
  await page.screenshot({ path: join(out, 'viewer.png') });
  console.log(`screenshot: ${join(out, 'viewer.png')}`);
  await step('the embed button gives an iframe for this view', async () => {
    await page.click('#embed-button');
    const code = await page.locator('#embed-code').inputValue();
    check('the embed snippet is an iframe of this view', code.startsWith('<iframe') && code.includes('embed=1') && code.includes('style=explainer'), code);
  });

  await step('labels in Pashto at #lang=ps, the page right-to-left', async () => {
    const res = await fetch(`${base}styles/explainer.json?lang=ps`);
    const served = JSON.stringify(await res.json());
    check('the style served with ?lang=ps names name_ps', res.ok && served.includes('"name_ps"'));
    const ps = await openPage(browser, consoleErrors, { label: 'lang=ps' });
    await ps.goto(`${base}#map=7/34.2/69.8&lang=ps`);
    await ps.waitForFunction(() => window.borderland && window.borderland.map);
    const settled = () => ps.evaluate(() => new Promise((done) => {
      const m = window.borderland.map;
      m.once('idle', () => done());
      m.triggerRepaint();
    }));
    await settled();
    check('the page is right-to-left at #lang=ps', await ps.evaluate(() => document.documentElement.dir) === 'rtl');
    const nan = ['==', ['get', 'iso_3166_2'], 'AF-NAN'];
    const label = await ps.evaluate((filter) => {
      const { map: m, maplibregl } = window.borderland;
      const [f] = m.queryRenderedFeatures({ layers: ['province_labels-labels'], filter });
      if (!f) return null;
      const p = m.project(f.geometry.coordinates);
      const r = m.getCanvas().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y, name_ps: f.properties.name_ps, rtl: maplibregl.getRTLTextPluginStatus() };
    }, nan);
    check("Nangarhar's label is rendered with its Pashto name", Boolean(label && /[\u0600-\u06FF]/.test(label.name_ps || '')),
      JSON.stringify(label));
    const peshawar = await ps.evaluate(() => window.borderland.map
      .queryRenderedFeatures({ layers: ['cities-names'], filter: ['==', ['get', 'name'], 'Peshawar'] })
      .map((f) => f.properties.name_ps));
    check("Peshawar's city label (context layer) is placed, with a Pashto name from GeoNames",
      peshawar.length === 1 && /[\u0600-\u06FF]/.test(peshawar[0] || ''), JSON.stringify(peshawar));
    if (!label) return;
    check('the RTL text plugin is loaded', label.rtl === 'loaded', label.rtl);
    // Only the labels layer drawn; then the same view with it hidden, and with English labels.
    await ps.evaluate(() => {
      const m = window.borderland.map;
      for (const l of m.getStyle().layers) if (l.id !== 'province_labels-labels') m.setLayoutProperty(l.id, 'visibility', 'none');
    });
    await settled();
    const clip = { x: label.x - 80, y: label.y - 24, width: 160, height: 48 };
    const pashto = await ps.screenshot({ clip });
    mkdirSync(out, { recursive: true });
    await ps.screenshot({ path: join(out, 'labels-ps.png') });
    await ps.evaluate(() => window.borderland.map.setLayoutProperty('province_labels-labels', 'visibility', 'none'));
    await settled();
    const blank = await ps.screenshot({ clip });
    await ps.evaluate(() => {
      const m = window.borderland.map;
      m.setLayoutProperty('province_labels-labels', 'visibility', 'visible');
      m.setLayoutProperty('province_labels-labels', 'text-field', ['get', 'name']);
    });
    await settled();
    const english = await ps.screenshot({ clip });
    // Pixels that differ between two PNGs, decoded by the browser's own image decoder.
    const differing = (a, b) => ps.evaluate(async ([a, b]) => {
      const pixels = async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = new OffscreenCanvas(img.width, img.height);
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        return g.getImageData(0, 0, img.width, img.height).data;
      };
      const [pa, pb] = [await pixels(a), await pixels(b)];
      let n = 0;
      for (let i = 0; i < pa.length; i += 4) {
        if (Math.abs(pa[i] - pb[i]) + Math.abs(pa[i + 1] - pb[i + 1]) + Math.abs(pa[i + 2] - pb[i + 2]) > 60) n += 1;
      }
      return n;
    }, [a.toString('base64'), b.toString('base64')]);
    const inked = await differing(pashto, blank);
    check('the Pashto label draws pixels where it is (not blank glyphs)', inked > 40, `${inked} pixels`);
    const changed = await differing(pashto, english);
    check('the Pashto label differs from the English one', changed > 40, `${changed} pixels`);
    await ps.close();
  });

  await step('the terrain is drawn beneath the fills and its toggle turns it off', async () => {
    const t = await openPage(browser, consoleErrors, { label: 'terrain' });
    const pictures = [];
    t.on('response', (r) => {
      if (/\/tiles\/terrain\/\d+\/\d+\/\d+\.png$/.test(r.url())) pictures.push([r.status(), r.headers()['content-type']]);
    });
    // The Hindu Kush north of Kabul: mountains under provinces and under the neighbours.
    await t.goto(`${base}#map=6/35.2/70.5`);
    await mapIdle(t);
    const order = await t.evaluate(() => window.borderland.map.getStyle().layers.map((l) => l.id));
    const at = order.indexOf('terrain-raster');
    check('the style draws the terrain above the neighbours and beneath every claim fill',
      at > order.indexOf('neighbours-fill') && at < order.indexOf('provinces-incidents'), order.slice(0, 6).join(' '));
    check('terrain tiles are fetched as PNG pictures',
      pictures.length > 0 && pictures.every(([s, c]) => s === 200 && c === 'image/png'), JSON.stringify(pictures.slice(0, 3)));
    const shown = await t.screenshot();
    const box = t.locator('#layer-list li', { hasText: 'Terrain' }).locator('input');
    check('the layer list has a Terrain toggle', await box.count() === 1);
    await box.uncheck();
    await mapIdle(t);
    check('turning it off hides it and is kept in the hash',
      await t.evaluate(() => window.borderland.map.getLayoutProperty('terrain-raster', 'visibility') === 'none'
        && decodeURIComponent(location.hash).includes('Terrain')));
    const hidden = await t.screenshot();
    const changed = await t.evaluate(async ([a, b]) => {
      const pixels = async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = new OffscreenCanvas(img.width, img.height);
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        return g.getImageData(0, 0, img.width, img.height).data;
      };
      const [pa, pb] = [await pixels(a), await pixels(b)];
      let n = 0;
      for (let i = 0; i < pa.length; i += 4) {
        if (Math.abs(pa[i] - pb[i]) + Math.abs(pa[i + 1] - pb[i + 1]) + Math.abs(pa[i + 2] - pb[i + 2]) > 12) n += 1;
      }
      return n / (pa.length / 4);
    }, [shown.toString('base64'), hidden.toString('base64')]);
    mkdirSync(out, { recursive: true });
    await t.screenshot({ path: join(out, 'terrain-off.png') });
    await box.check();
    await mapIdle(t);
    await t.screenshot({ path: join(out, 'terrain-on.png') });
    check('the terrain changes the picture where the mountains are (and is quiet: under half of it)',
      changed > 0.05 && changed < 0.5, `${(changed * 100).toFixed(1)}% of pixels`);
    await t.close();
  });

  await step('the language picker switches the labels and the page direction', async () => {
    const pick = await openPage(browser, consoleErrors, { label: 'picker' });
    await pick.goto(`${base}#map=7/34.2/69.8`);
    await mapIdle(pick);
    check('the picker starts on English', await pick.locator('#lang-picker').inputValue() === 'en');
    await Promise.all([pick.waitForEvent('load'), pick.selectOption('#lang-picker', 'ur')]);
    await mapIdle(pick);
    const after = await pick.evaluate(() => ({ hash: location.hash, dir: document.documentElement.dir,
      value: document.querySelector('#lang-picker').value }));
    check('choosing Urdu puts lang=ur in the hash, keeps the view, and turns the page right-to-left',
      after.hash.includes('lang=ur') && after.hash.includes('map=') && after.dir === 'rtl' && after.value === 'ur',
      JSON.stringify(after));
    await pick.close();
  });

} finally {
  await browser.close();
}

check('no console errors', consoleErrors.length === 0, consoleErrors.join('\n'));
console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
