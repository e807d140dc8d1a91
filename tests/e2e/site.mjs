// Browser check of the static site `borderland export --site` writes, run by tests/site.rs
// against `python3 -m http.server`: what a reader sees with no borderland process behind the
// page. Prints one JSON report; tests/site.rs asserts on it.
//
//   node tests/e2e/site.mjs http://127.0.0.1:8000/ target/e2e/site.png

import { launch, openPage, mapIdle } from './browser.mjs';

const [url, screenshot] = process.argv.slice(2);
const browser = await launch();
const report = { errors: [], requests: [] };
try {
  const page = await openPage(browser, report.errors);
  page.on('request', (r) => report.requests.push(new URL(r.url()).pathname));

  const idle = () => mapIdle(page);
  const incidents = () => page.evaluate(() => window.borderland.map
    .queryRenderedFeatures({ layers: ['incidents-points'] })
    .reduce((n, f) => n + (f.properties.cluster ? Number(f.properties.point_count) : 1), 0));
  const incidentsBecome = async (test) => {
    await page.waitForFunction(test, null, { polling: 200 }).catch(() => {});
    await idle();
    return incidents();
  };

  await page.goto(`${url}#map=5.5/33.3/68.5`);
  report.idle = await idle().then(() => true, (e) => { report.errors.push(`no idle: ${e.message}`); return false; });

  const paktika = ['==', ['get', 'iso_3166_2'], 'AF-PKA'];
  report.paktika = await page.evaluate((filter) => {
    const m = window.borderland.map;
    return {
      polygons: m.queryRenderedFeatures({ layers: ['provinces-incidents'], filter }).length,
      labels: m.queryRenderedFeatures({ layers: ['province_labels-labels'], filter }).map((f) => f.properties.name),
    };
  }, paktika);

  const note = page.locator('#static-note');
  report.note = { visible: await note.isVisible(), text: await note.innerText() };
  report.legend = await page.locator('#legend').innerText();
  report.toggles = await page.locator('#layer-list input[type=checkbox]').count();
  report.attribution = await page.locator('.maplibregl-ctrl-attrib').innerText();

  // Click just below Paktika's label: the popup names the source of its claims.
  const { x, y } = await page.evaluate((filter) => {
    const m = window.borderland.map;
    const [f] = m.queryRenderedFeatures({ layers: ['province_labels-labels'], filter });
    const p = m.project(f.geometry.coordinates);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y + 14 };
  }, paktika);
  await page.mouse.click(x, y);
  const popup = page.locator('.maplibregl-popup');
  report.popup = await popup.waitFor().then(() => popup.innerText(), () => '');
  await page.evaluate(() => document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove()));

  // The time window filters incidents in the browser: August 2021 only, then up to now.
  const archiveReads = report.requests.filter((p) => p.endsWith('.pmtiles')).length;
  const requestsBefore = report.requests.length;
  report.time = { all: await incidents() };
  await page.focus('#to-slider');
  await page.keyboard.press('Home');
  report.time.august2021 = await incidentsBecome(() => window.borderland.map
    .queryRenderedFeatures({ layers: ['incidents-points'] }).length === 0);
  report.time.hash = await page.evaluate(() => location.hash);
  report.time.filter = await page.evaluate(() => JSON.stringify(window.borderland.map.getFilter('incidents-points')));
  await page.keyboard.press('End');
  report.time.toNow = await incidentsBecome(() => window.borderland.map
    .queryRenderedFeatures({ layers: ['incidents-points'] }).length > 0);
  await page.click('#all-dates');

  // The group picker, too: the one dated incident is ISIL-K's.
  report.group = {};
  for (const group of ['ttp', 'isil_k']) {
    await page.selectOption('#group-picker', group);
    report.group[group] = await incidentsBecome((g) => {
      const n = window.borderland.map.queryRenderedFeatures({ layers: ['incidents-points'] }).length;
      return g === 'ttp' ? n === 0 : n > 0;
    });
  }
  await page.selectOption('#group-picker', '');
  report.filterRequests = report.requests.slice(requestsBefore)
    .filter((p) => p.endsWith('.pmtiles') || p.includes('.mvt') || p.includes('/tiles/'));
  report.archiveReads = archiveReads;

  await page.click('#embed-button');
  report.embed = await page.locator('#embed-code').inputValue();
  if (screenshot) await page.screenshot({ path: screenshot });
} catch (e) {
  report.errors.push(`check: ${e.stack || e}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
