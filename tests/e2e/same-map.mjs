// One map wherever it is published, run by tests/explainer.rs: the server's viewer and the
// static site open at the same view, group and time window, and their map canvases are
// compared pixel by pixel in the browser. Prints one JSON report per window; the Rust test
// asserts on it.
//
//   node tests/e2e/same-map.mjs SERVER_URL SITE_URL 'map=6.5/40.5/11.5&from=2023-02&to=2023-03' ...

import { launch, openPage, mapIdle } from './browser.mjs';

const [serverUrl, siteUrl, ...views] = process.argv.slice(2);
const browser = await launch();
const report = { errors: [], views: [] };

/** The map alone (controls hidden) as PNG bytes, once drawn and still. */
async function picture(url, hash) {
  const page = await openPage(browser, report.errors, { requests: false });
  await page.goto(`${url}#${hash}`);
  await page.addStyleTag({ content: '.maplibregl-control-container { display: none !important; }' });
  const idle = () => mapIdle(page);
  await idle();
  await page.waitForTimeout(800); // symbol fade-in
  await idle();
  const png = await page.locator('#map').screenshot();
  const counts = await page.evaluate(() => window.borderland.map.queryRenderedFeatures()
    .filter((f) => f.sourceLayer).reduce((o, f) => { o[f.sourceLayer] = (o[f.sourceLayer] || 0) + 1; return o; }, {}));
  await page.close();
  return { png, counts };
}

try {
  const judge = await browser.newPage();
  const compare = (a, b) => judge.evaluate(async ([x, y]) => {
    const load = async (b64) => {
      const img = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
      const c = new OffscreenCanvas(img.width, img.height);
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      return g.getImageData(0, 0, img.width, img.height);
    };
    const [p, q] = [await load(x), await load(y)];
    if (p.width !== q.width || p.height !== q.height) return { size: false };
    let differ = 0;
    for (let i = 0; i < p.data.length; i += 4) {
      const d = Math.max(...[0, 1, 2].map((k) => Math.abs(p.data[i + k] - q.data[i + k])));
      if (d > 48) differ += 1; // anti-aliased edges differ by less
    }
    return { size: true, pixels: p.width * p.height, differ };
  }, [a.toString('base64'), b.toString('base64')]);
  const pictures = [];
  for (const hash of views) {
    const server = await picture(serverUrl, hash);
    const site = await picture(siteUrl, hash);
    pictures.push(server.png);
    report.views.push({ hash, ...(await compare(server.png, site.png)), server: server.counts, site: site.counts });
  }
  // The windows must draw different maps, or matching would prove nothing.
  report.between = [];
  for (let i = 1; i < pictures.length; i += 1) report.between.push(await compare(pictures[i - 1], pictures[i]));
} catch (e) {
  report.errors.push(`check: ${e.stack || e}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
