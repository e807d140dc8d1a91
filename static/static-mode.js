// Static mode (the page `borderland export --site` writes): no server runs, so tiles come from
// one PMTiles archive and the group and time filters run in the browser: points by MapLibre
// filters on their dates and group; area counts recomputed from the dated rows the site ships
// (`events.json`) and given to the map as feature state, so the same view, group and window
// draw the same map as the server.

import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';
import { $, el } from './dom.js';
import { windowDays } from './months.js';
import { state } from './state.js';
import { SOURCE } from './catalog.js';
import { chosenNames, groups } from './groups.js';

/** Reads the archive with range requests, or whole when the host ignores Range (as
 *  `python3 -m http.server` and some static hosts do): the first read finds out which. */
class RangeOrWholeSource {
  constructor(url) { this.url = url; this.whole = null; this.probe = null; }
  getKey() { return this.url; }
  async read(offset, length, signal) {
    const r = await fetch(this.url, { signal, headers: { Range: `bytes=${offset}-${offset + length - 1}` } });
    if (r.status === 206) return { data: await r.arrayBuffer(), etag: r.headers.get('ETag') || undefined };
    if (r.status === 200) {
      this.whole = await r.arrayBuffer();
      return { data: this.whole.slice(offset, offset + length) };
    }
    throw new Error(`${this.url}: HTTP ${r.status}`);
  }
  async getBytes(offset, length, signal) {
    if (!this.probe) { this.probe = this.read(offset, length); return this.probe; }
    await this.probe.catch(() => {});
    if (this.whole) return { data: this.whole.slice(offset, offset + length) };
    return this.read(offset, length, signal);
  }
}

const loadScript = (src) => new Promise((resolve, reject) => {
  const s = el('script', { src });
  s.onload = resolve;
  s.onerror = () => reject(new Error(`could not load ${src}`));
  document.head.append(s);
});

let pmtilesProtocol = null;
let baseLayers = []; // the style's layers as written, before client filters
let map = null;
let events = null; // events.json: per area layer, each feature's dated rows

/** Show the static note and register the `pmtiles://` protocol. */
export async function startStatic() {
  // the viewer's panel has these; a story page has its own words
  if ($('static-note')) $('static-note').hidden = false;
  const link = $('catalog-link');
  if (link) { link.href = 'site.json'; link.textContent = 'site.json'; }
  const res = await fetch('events.json');
  if (!res.ok) throw new Error(`events.json: HTTP ${res.status}`);
  events = await res.json();
  await loadScript('static/vendor/pmtiles/pmtiles.js');
  // metadata: the archive's TileJSON (attribution, vector_layers), not only its header.
  pmtilesProtocol = new window.pmtiles.Protocol({ metadata: true });
  maplibregl.addProtocol('pmtiles', pmtilesProtocol.tile);
}

export function attachStaticMap(m) { map = m; }

/** `rel` resolved against `base`; the `{fontstack}`-style template after it is kept as is. */
function resolveTemplate(rel, base) {
  const cut = rel.indexOf('{');
  const head = cut < 0 ? rel : rel.slice(0, cut);
  return new URL(head, base).href + (cut < 0 ? '' : rel.slice(cut));
}

/** The site's style: relative glyph and archive URLs made absolute, the archive registered,
 *  and the client filters applied to its layers. */
export function prepareStaticStyle(style, styleUrl) {
  if (typeof style.glyphs === 'string') style.glyphs = resolveTemplate(style.glyphs, styleUrl);
  for (const source of Object.values(style.sources)) {
    if (typeof source.url !== 'string' || !source.url.startsWith('pmtiles://')) continue;
    const archive = new URL(source.url.slice('pmtiles://'.length), styleUrl).href;
    if (!pmtilesProtocol.tiles.has(archive)) pmtilesProtocol.add(new window.pmtiles.PMTiles(new RangeOrWholeSource(archive)));
    source.url = `pmtiles://${archive}`;
  }
  baseLayers = structuredClone(style.layers);
  for (const layer of style.layers) {
    if (!layer.source) continue;
    const { filter, paint } = clientLayer(layer);
    if (filter) layer.filter = filter; else delete layer.filter;
    if (layer.paint) layer.paint = paint;
  }
}

/** A date span (two day attributes) that overlaps the window; undated features fail it. */
function overlaps(start, end, w) {
  const first = ['to-number', ['get', start], 0];
  return ['all', ['has', start],
    ['>=', ['to-number', ['coalesce', ['get', end], ['get', start]], 0], w.from],
    ['<=', first, w.to]];
}

/** Points (and clusters) in the window and of the group: clusters carry their date range and
 *  one group, or "several groups", which a group choice hides. */
function pointFilter(base) {
  const parts = base ? [base] : [];
  const w = windowDays(state.window);
  if (w) parts.push(overlaps('date_days', 'date_end_days', w));
  const names = chosenNames();
  if (names.length) parts.push(['in', ['to-string', ['get', 'group']], ['literal', names]]);
  return parts.length === 0 ? null : parts.length === 1 ? parts[0] : ['all', ...parts];
}

/** Area expressions with the filters applied: `{events}_count` read from the feature state
 *  (recomputed here for the window and group), presence of the chosen group only. */
function substitute(expr, meta) {
  if (!Array.isArray(expr) || expr[0] === 'literal') return expr;
  if (expr[0] === 'get' && expr.length === 2 && typeof expr[1] === 'string') {
    const name = expr[1];
    const ev = meta['borderland:events'], pr = meta['borderland:presence'];
    if (ev && name === `${ev}_count`) return ['coalesce', ['feature-state', name], ['get', name]];
    const g = state.group && groups.get(state.group);
    if (!pr || !g) return expr;
    const chosen = ['any', ...g.keys.map((k) => ['==', ['get', `${pr}_${k}`], true])];
    if (name === `${pr}_count`) return ['case', chosen, 1, 0];
    // Another group's flag: the server's group filter leaves only the chosen group's claims.
    const other = [...groups.values()].some((o) => o !== g && o.keys.some((k) => name === `${pr}_${k}`));
    return other ? false : expr;
  }
  return expr.map((e) => substitute(e, meta));
}

/** One layer of the style with the client filters applied: its filter and paint. */
function clientLayer(layer) {
  const meta = layer.metadata || {};
  if (meta['borderland:role'] === 'events') return { filter: pointFilter(layer.filter), paint: layer.paint };
  const paint = {};
  for (const [k, v] of Object.entries(layer.paint || {})) paint[k] = substitute(v, meta);
  return { filter: layer.filter === undefined ? undefined : substitute(layer.filter, meta), paint };
}

const counted = new Map(); // area layer -> feature id (text) -> its counts, from the last recount

/** An area's counts under the current filters, as the map shows them (static mode only). */
export function staticCounts(layer, id) {
  const byId = counted.get(layer);
  return byId ? byId.get(String(id)) || null : null;
}

/** Each area's count of rows in the window and of the group, as the server counts them:
 *  a row counts when its date span overlaps the window (undated rows only with no window). */
export function recount() {
  if (!map || !events) return;
  const w = windowDays(state.window);
  const names = new Set(chosenNames());
  counted.clear();
  for (const layer of events.layers) {
    const byId = new Map();
    counted.set(layer.layer, byId);
    for (const [id, rows] of layer.features) {
      let n = 0, dead = null;
      for (const [first, last, g, fatalities] of rows) {
        if (names.size && !names.has(layer.names[g])) continue;
        if (w && (first === null || last < w.from || first > w.to)) continue;
        n += 1;
        if (fatalities !== null) dead = (dead || 0) + fatalities;
      }
      const counts = { [`${layer.prefix}_count`]: n, [`${layer.prefix}_fatalities`]: dead };
      byId.set(String(id), counts);
      for (const sourceLayer of [layer.layer, layer.labels].filter(Boolean)) {
        map.setFeatureState({ source: SOURCE, sourceLayer, id }, counts);
      }
    }
  }
}

/** Apply the current group and window to every layer of the map's style. */
export function applyClientFilters() {
  if (!map) return;
  recount();
  for (const layer of baseLayers) {
    if (!layer.source || !map.getLayer(layer.id)) continue;
    const { filter, paint } = clientLayer(layer);
    map.setFilter(layer.id, filter === undefined ? null : filter);
    for (const [k, v] of Object.entries(paint || {})) map.setPaintProperty(layer.id, k, v);
  }
}
