// Compares borderland's static pictures with MapLibre GL JS's own render of the same style,
// view and size in headless Chromium. Run by tests/static_images.rs against a server it
// started:
//
//   BORDERLAND_URL=http://127.0.0.1:8080/ BORDERLAND_E2E_OUT=target/e2e node tests/e2e/static_image.mjs
//
// For each case: MapLibre draws the style (same-origin page, the vendored library, the
// server's style, tiles and glyphs); the server's PNG is fetched; the server's SVG is
// rasterised by an independent renderer (rsvg-convert). Pixels that differ from the style's
// background colour are "drawn"; the intersection over union of drawn pixels must be at least
// 0.9 and the colours where both draw must agree, over all of them and over the pixels MapLibre
// draws in a clear hue (choropleth classes, presence outlines, the dashed border, circles).
// A control (our picture of a nearby view) must fail the same comparison. The attribution strip (which MapLibre
// keeps in the DOM, not the canvas) is left out of the comparison.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from './browser.mjs';

const base = (process.env.BORDERLAND_URL || 'http://127.0.0.1:8080/').replace(/\/?$/, '/');
const out = process.env.BORDERLAND_E2E_OUT || 'target/e2e';
const rsvg = process.env.RSVG_CONVERT || 'rsvg-convert';
mkdirSync(out, { recursive: true });

const failures = [];
function check(name, ok, detail = '') {
  if (ok) console.log(`ok - ${name} ${detail}`); else { failures.push(name); console.log(`FAIL - ${name} ${detail}`); }
}

const cases = [
  { name: 'explainer-region-bbox', style: 'explainer', view: '60.5,23.6,77.8,38.5', w: 1200, h: 630, control: '61,24,77.3,38' },
  { name: 'explainer-east-bearing', style: 'explainer', view: '70.2,33.6,6.3@25', w: 800, h: 600, control: '70.2,33.6,6.3@35' },
  { name: 'presence-bbox', style: 'presence', view: '66,29,74.5,36.5', w: 600, h: 500 },
  { name: 'explainer-filtered', style: 'explainer', view: '60.5,23.6,77.8,38.5', w: 1000, h: 700, query: 'group=TTP' },
  // Labels in Pashto: the style served with ?lang=ps, MapLibre shaping with the RTL plugin.
  { name: 'explainer-pashto', style: 'explainer', view: '66,29,74.5,36.5', w: 800, h: 600, lang: 'ps' },
];

const page_html = `<!doctype html><html><head><meta charset="utf-8">
<style>html,body{margin:0;padding:0}#map{position:absolute;top:0;left:0}</style></head>
<body><div id="map"></div><script type="module">
import * as maplibregl from '/static/vendor/maplibre-gl/maplibre-gl.mjs';
window.maplibregl = maplibregl;
window.ready = true;
</script></body></html>`;

const browser = await launch();
try {
  for (const c of cases) {
    const query = c.query ? `?${c.query}` : '';
    const picture = [c.query, c.lang && `lang=${c.lang}`].filter(Boolean).join('&');
    const url = (fmt) => `${base}styles/${c.style}/static/${c.view}/${c.w}x${c.h}.${fmt}${picture ? `?${picture}` : ''}`;
    const svgRes = await fetch(url('svg'));
    check(`${c.name}: SVG served`, svgRes.ok, `HTTP ${svgRes.status}`);
    const svgText = await svgRes.text();
    writeFileSync(join(out, `${c.name}.svg`), svgText);
    // The attribution strip's top edge, from the SVG itself.
    const strip = /<g id="borderland-attribution">\s*<rect x="0" y="([0-9.]+)"/.exec(svgText);
    check(`${c.name}: the attribution strip is drawn`, strip !== null);
    const mapRows = strip ? Math.floor(Number(strip[1])) : c.h;
    execFileSync(rsvg, ['-o', join(out, `${c.name}.rsvg.png`), join(out, `${c.name}.svg`)]);
    const rsvgPng = readFileSync(join(out, `${c.name}.rsvg.png`)).toString('base64');
    const pngRes = await fetch(url('png'));
    check(`${c.name}: PNG served`, pngRes.ok && pngRes.headers.get('content-type') === 'image/png', `HTTP ${pngRes.status}`);
    const ours = Buffer.from(await pngRes.arrayBuffer());
    writeFileSync(join(out, `${c.name}.png`), ours);

    // A control: our picture of a slightly different view must not pass the same test.
    let controlB64 = null;
    if (c.control) {
      const res = await fetch(`${base}styles/${c.style}/static/${c.control}/${c.w}x${c.h}.png${query}`);
      controlB64 = Buffer.from(await res.arrayBuffer()).toString('base64');
    }
    const page = await browser.newPage({ viewport: { width: c.w, height: c.h }, deviceScaleFactor: 1 });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    // A page under the server's origin, so MapLibre's module and worker load same-origin.
    await page.route(`${base}__compare.html`, (route) => route.fulfill({ contentType: 'text/html', body: page_html }));
    await page.goto(`${base}__compare.html`);
    await page.waitForFunction(() => window.ready === true);
    const styleUrl = `${base}styles/${c.style}.json${c.lang ? `?lang=${c.lang}` : ''}`;
    const result = await page.evaluate(async ({ c, styleUrl, query, oursB64, rsvgB64, mapRows, controlB64 }) => {
      const style = await (await fetch(styleUrl)).json();
      // Pictures leave raster layers (the terrain) out on purpose (README, "Static pictures"):
      // MapLibre is asked for the same, so the comparison is of what both draw.
      style.layers = style.layers.filter((l) => l.type !== 'raster');
      if (c.lang) {
        await window.maplibregl.setRTLTextPlugin(new URL('/static/vendor/mapbox-gl-rtl-text/mapbox-gl-rtl-text.js', location.href).href, false);
      }
      if (query) {
        for (const s of Object.values(style.sources)) s.url += query;
      }
      const container = document.getElementById('map');
      container.style.width = `${c.w}px`;
      container.style.height = `${c.h}px`;
      const opts = {
        container, style, pixelRatio: 1, interactive: false, attributionControl: false,
        fadeDuration: 0, preserveDrawingBuffer: true, canvasContextAttributes: { preserveDrawingBuffer: true },
      };
      const parts = c.view.split('@');
      const nums = parts[0].split(',').map(Number);
      if (nums.length === 4) {
        opts.bounds = [[nums[0], nums[1]], [nums[2], nums[3]]];
        opts.fitBoundsOptions = { padding: 0 };
      } else {
        opts.center = [nums[0], nums[1]];
        opts.zoom = nums[2];
        opts.bearing = parts[1] ? Number(parts[1]) : 0;
      }
      const map = new window.maplibregl.Map(opts);
      await Promise.race([
        new Promise((resolve) => map.once('idle', resolve)),
        new Promise((_, reject) => setTimeout(() => reject(new Error('MapLibre did not become idle in 60 s')), 60000)),
      ]);
      const background = style.layers.find((l) => l.type === 'background').paint['background-color'];
      const pixels = async (src) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        const cv = document.createElement('canvas');
        cv.width = c.w; cv.height = c.h;
        const ctx = cv.getContext('2d');
        ctx.drawImage(img, 0, 0, c.w, c.h);
        return { data: ctx.getImageData(0, 0, c.w, c.h).data, natural: [img.naturalWidth, img.naturalHeight] };
      };
      const maplibre = await pixels(map.getCanvas().toDataURL('image/png'));
      const png = await pixels(`data:image/png;base64,${oursB64}`);
      const svg = await pixels(`data:image/png;base64,${rsvgB64}`);
      const bgCanvas = document.createElement('canvas').getContext('2d');
      bgCanvas.fillStyle = background;
      bgCanvas.fillRect(0, 0, 1, 1);
      const bg = bgCanvas.getImageData(0, 0, 1, 1).data;
      const drawn = (d, i) => Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) > 9;
      const compare = (a, b) => {
        let inter = 0; let union = 0; let diff = 0; let aOnly = 0; let bOnly = 0;
        let tinted = 0; let tintDiff = 0;
        for (let y = 0; y < mapRows; y++) {
          for (let x = 0; x < c.w; x++) {
            const i = (y * c.w + x) * 4;
            const da = drawn(a, i); const db = drawn(b, i);
            if (da || db) union++;
            if (da && db) {
              inter++;
              const d = (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2])) / 3;
              diff += d;
              // Data colours (choropleth classes, presence outlines, incident circles): the
              // pixels MapLibre draws in a clear hue rather than greys.
              if (Math.max(b[i], b[i + 1], b[i + 2]) - Math.min(b[i], b[i + 1], b[i + 2]) > 30) {
                tinted++;
                tintDiff += d;
              }
            } else if (da) aOnly++; else if (db) bOnly++;
          }
        }
        return {
          iou: union ? inter / union : 1, colourDiff: inter ? diff / inter : 0, drawn: union, aOnly, bOnly,
          tinted, tintDiff: tinted ? tintDiff / tinted : 0,
        };
      };
      const control = c.control ? await pixels(`data:image/png;base64,${controlB64}`) : null;
      const out = {
        control: control ? compare(control.data, maplibre.data) : null,
        png: compare(png.data, maplibre.data),
        svg: compare(svg.data, maplibre.data),
        natural: { png: png.natural, svg: svg.natural },
        maplibreDataUrl: map.getCanvas().toDataURL('image/png'),
      };
      map.remove();
      return out;
    }, { c, styleUrl, query, oursB64: ours.toString('base64'), rsvgB64: rsvgPng, mapRows, controlB64 });
    writeFileSync(join(out, `${c.name}.maplibre.png`), Buffer.from(result.maplibreDataUrl.split(',')[1], 'base64'));
    check(`${c.name}: MapLibre drew with no errors`, errors.length === 0, errors.join('; '));
    check(`${c.name}: the PNG is ${c.w}x${c.h}`, result.natural.png[0] === c.w && result.natural.png[1] === c.h, JSON.stringify(result.natural.png));
    check(`${c.name}: MapLibre drew something`, result.png.drawn > c.w * mapRows * 0.05, `${result.png.drawn} px`);
    for (const kind of ['png', 'svg']) {
      const r = result[kind];
      const detail = `IoU ${r.iou.toFixed(3)}, mean colour difference ${r.colourDiff.toFixed(1)}/255, only ours ${r.aOnly} px, only MapLibre ${r.bOnly} px`;
      check(`${c.name}: ${kind} covers what MapLibre covers (IoU >= 0.9)`, r.iou >= 0.9, detail);
      check(`${c.name}: ${kind} colours agree with MapLibre's (mean difference <= 12/255)`, r.colourDiff <= 12, detail);
      check(`${c.name}: ${kind} data colours agree with MapLibre's (mean difference <= 16/255 over ${r.tinted} tinted px)`,
        r.tinted > 200 && r.tintDiff <= 16, `${r.tintDiff.toFixed(1)}/255`);
    }
    if (result.control) {
      const k = result.control;
      check(`${c.name}: control (our picture of view ${c.control}) fails the same comparison`,
        k.iou < 0.9 || k.colourDiff > 12 || k.tintDiff > 16,
        `IoU ${k.iou.toFixed(3)}, colour ${k.colourDiff.toFixed(1)}, data colours ${k.tintDiff.toFixed(1)}`);
    }
    await page.close();
  }
} finally {
  await browser.close();
}

if (failures.length) {
  console.log(`${failures.length} check(s) failed: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('all static image checks passed');
