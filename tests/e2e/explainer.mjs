// What a reader of any data set sees, run by tests/explainer.rs: opens the viewer at a URL in
// headless Chromium and prints one JSON report (console errors, the panel's words, the group
// picker and legend, which layers drew features, the style's background). The Rust test
// asserts on it, so this script checks nothing itself.
//
//   node tests/e2e/explainer.mjs http://127.0.0.1:8080/ [screenshot.png]

import { launch, openPage, mapIdle } from './browser.mjs';

const [url, screenshot] = process.argv.slice(2);
const browser = await launch();
const report = { errors: [] };
try {
  const page = await openPage(browser, report.errors);
  await page.goto(url);
  await mapIdle(page, "document.querySelector('#legend').children.length > 0");
  report.idle = true;
  report.title = await page.title();
  report.panel = await page.locator('#panel').innerText();
  report.picker = await page.$$eval('#group-picker option', (os) => os.filter((o) => o.value).map((o) => ({ value: o.value, text: o.textContent })));
  report.pickerVisible = await page.locator('#group-picker').isVisible();
  report.timeVisible = await page.locator('#time').isVisible();
  report.styles = await page.$$eval('#style-picker option', (os) => os.map((o) => o.value));
  report.legendCircles = await page.$$eval('#legend .legend-item', (items) => items
    .filter((i) => i.querySelector('.swatch.circle'))
    .map((i) => ({ text: i.innerText.trim(), colour: getComputedStyle(i.querySelector('.swatch')).backgroundColor })));
  report.legend = await page.locator('#legend').innerText();
  report.drawn = await page.evaluate(() => {
    const out = {};
    for (const f of window.borderland.map.queryRenderedFeatures()) {
      if (f.sourceLayer) out[f.sourceLayer] = (out[f.sourceLayer] || 0) + 1;
    }
    return out;
  });
  report.background = await page.evaluate(() => window.borderland.map.getPaintProperty('background', 'background-color') ?? null);
  report.layers = await page.evaluate(() => window.borderland.map.getStyle().layers.map((l) => l.id));
  if (screenshot) await page.screenshot({ path: screenshot });
} catch (e) {
  report.errors.push(`check: ${e.stack || e}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
