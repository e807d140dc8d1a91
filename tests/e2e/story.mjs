// Browser check of a story page, run by tests/stories.rs against the server and against the
// static site (`python3 -m http.server`): a reader scrolls it on a desktop and on a phone, and
// we record the map state each step leaves (view, layers, filters, highlights, annotations),
// scroll back, audit with axe-core, and read the page with JavaScript off. Prints one JSON
// report; the Rust test asserts on it.
//
//   node tests/e2e/story.mjs http://127.0.0.1:8080/stories/border

import { launch, openPage, mapIdle, axe, sidewaysScroll, PHONE, DESKTOP } from './browser.mjs';

const [url] = process.argv.slice(2);
const browser = await launch();
const report = { errors: [] };

/** The map's state now, as a reader would see it (and a test can compare). */
const snapshot = (page) => page.evaluate(() => {
  const b = window.borderland, m = b.map, step = b.story.steps[b.step];
  const source = m.getSource('borderland');
  const static_ = document.querySelector('meta[name="borderland-mode"]').content === 'static';
  const events = m.getStyle().layers.find((l) => l.metadata && l.metadata['borderland:role'] === 'events');
  const visible = [...new Set(m.getStyle().layers
    .filter((l) => l.source === 'borderland' && l['source-layer'] && m.getLayoutProperty(l.id, 'visibility') !== 'none')
    .map((l) => l['source-layer']))].sort();
  const highlighted = step.highlights
    .filter((h) => m.getFeatureState({ source: 'borderland', sourceLayer: h.layer, id: h.id }).highlight === true)
    .map((h) => `${h.layer}/${h.key}`);
  const highlightLayers = m.getStyle().layers.filter((l) => l.id.startsWith('story-highlight-')).map((l) => l.id);
  const drawn = new Set(m.queryRenderedFeatures({ layers: highlightLayers })
    .filter((f) => f.state && f.state.highlight).map((f) => `${f.sourceLayer}/${f.id}`));
  const box = document.getElementById('locator-box');
  const locator = document.getElementById('locator');
  return {
    step: b.step,
    centre: [Number(m.getCenter().lng.toFixed(3)), Number(m.getCenter().lat.toFixed(3))],
    zoom: Number(m.getZoom().toFixed(2)),
    visible,
    filter: static_
      ? JSON.stringify(events ? m.getFilter(events.id) : null)
      : String(source.url || '').replace(/^.*\/tiles\//, '/tiles/'),
    group: b.state.group,
    window: b.state.window,
    highlighted,
    highlights_drawn: drawn.size,
    callouts: [...document.querySelectorAll('.story-callout .box')].map((e) => e.textContent),
    labels: [...document.querySelectorAll('.story-label')].map((e) => e.textContent),
    overlay: m.querySourceFeatures('story-overlay').length,
    exploring: document.body.classList.contains('exploring'),
    scroll_zoom: m.scrollZoom.isEnabled(),
    explore_href: document.querySelector('.explore-link')?.getAttribute('href') ?? null,
    locator: locator ? { shown: !locator.classList.contains('hidden'), width: Number(box.getAttribute('width')) } : null,
  };
});

async function goToStep(page, i) {
  await page.evaluate((n) => document.querySelectorAll('.step')[n].scrollIntoView({ block: 'center' }), i);
  await page.waitForFunction((n) => window.borderland && window.borderland.step === n, i, { polling: 100 });
  await mapIdle(page);
}

/** Click inside the first highlighted area and read the popup. */
async function popupOfHighlight(page) {
  const at = await page.evaluate(() => {
    const m = window.borderland.map;
    const layers = m.getStyle().layers.filter((l) => l.id.startsWith('story-highlight-') && l.type === 'fill').map((l) => l.id);
    const [f] = m.queryRenderedFeatures({ layers }).filter((x) => x.state && x.state.highlight);
    if (!f) return null;
    const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
    const c = ring.reduce((a, p) => [a[0] + p[0] / ring.length, a[1] + p[1] / ring.length], [0, 0]);
    const p = m.project(c), r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  });
  if (!at) return '';
  await page.mouse.click(at.x, at.y);
  const popup = page.locator('.maplibregl-popup');
  const text = await popup.waitFor({ timeout: 10000 }).then(() => popup.innerText(), () => '');
  await page.evaluate(() => document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove()));
  return text;
}

async function read(device, label) {
  const page = await openPage(browser, report.errors, { label, device });
  await page.goto(url);
  await mapIdle(page, 'window.borderland.step >= 0');
  const n = await page.evaluate(() => window.borderland.story.steps.length);
  const out = { steps: [], back: null };
  for (let i = 0; i < n; i += 1) {
    await goToStep(page, i);
    out.steps.push(await snapshot(page));
    if (i === 1 && label === 'desktop') out.popup = await popupOfHighlight(page);
  }
  // Scrolling back restores an earlier step: its layers, filters, highlights and view.
  await goToStep(page, 1);
  out.back = await snapshot(page);
  out.sideways = await sidewaysScroll(page);
  out.axe = await axe(page);
  out.title = await page.locator('h1').innerText();
  out.sources = await page.locator('#sources').innerText();
  await page.close();
  return out;
}

try {
  report.desktop = await read(DESKTOP, 'desktop');
  report.phone = await read(PHONE, 'phone');

  // A reader who asks for less motion gets jumps, not flights: the map is still the moment
  // the step changes.
  const context = await browser.newContext({ ...DESKTOP, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.on('pageerror', (e) => report.errors.push(`reduced: page: ${e.message}`));
  await page.goto(url);
  await mapIdle(page, 'window.borderland.step >= 0');
  await page.evaluate(() => document.querySelectorAll('.step')[2].scrollIntoView({ block: 'center' }));
  await page.waitForFunction(() => window.borderland.step === 2, null, { polling: 50 });
  report.reduced_motion_still = await page.evaluate(() => !window.borderland.map.isMoving());
  await context.close();

  // With JavaScript off the text, steps and sources are all there.
  const noJs = await browser.newContext({ ...DESKTOP, javaScriptEnabled: false });
  const plain = await noJs.newPage();
  await plain.goto(url);
  report.no_js = {
    title: await plain.locator('h1').innerText(),
    steps: await plain.locator('section.step h2').allInnerTexts(),
    text: (await plain.locator('main').innerText()).length,
    sources: await plain.locator('#sources').innerText(),
  };
  await noJs.close();
} catch (e) {
  report.errors.push(`script: ${e.message}`);
} finally {
  await browser.close();
}
// MapLibre cancels tile requests a step's new view or filter no longer needs; a cancelled
// tile is not an error a reader sees (a failed one, or an HTTP error, still is).
report.cancelled_tiles = report.errors.filter((e) => /request failed: \S+\.(mvt|png)\S* net::ERR_ABORTED/.test(e)).length;
report.errors = report.errors.filter((e) => !/request failed: \S+\.(mvt|png)\S* net::ERR_ABORTED/.test(e));
console.log(JSON.stringify(report));
