// Static mode (the page `borderland export --site` writes): no server runs, so tiles come from
// one PMTiles archive and the group and time filters become MapLibre layer filters and paint
// expressions evaluated in the browser.

import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';
import { $, el } from './dom.js';
import { windowDays } from './months.js';
import { state } from './state.js';
import { groupSlugs, groupSpellings } from './groups.js';

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

/** Show the static note and register the `pmtiles://` protocol. */
export async function startStatic() {
  $('static-note').hidden = false;
  const link = $('catalog-link');
  link.href = 'site.json';
  link.textContent = 'site.json';
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

/** Incidents (points and clusters) in the window and of the group: clusters carry their
 *  date range and one group, or "several groups", which a group choice hides. */
function incidentFilter(base) {
  const parts = base ? [base] : [];
  const w = windowDays(state.window);
  if (w) parts.push(overlaps('date_days', 'date_end_days', w));
  if (state.group) {
    const names = [...(groupSpellings.get(state.group) || []), state.group];
    parts.push(['in', ['to-string', ['get', 'group']], ['literal', names]]);
  }
  return parts.length === 0 ? null : parts.length === 1 ? parts[0] : ['all', ...parts];
}

/** Province and country expressions with the filters applied to their joined attributes:
 *  incident counts by group (`incidents_count_<group>`), zero outside the window (by
 *  `incidents_first_days`..`incidents_last_days`), presence by `presence_<group>`. */
function substitute(expr) {
  if (!Array.isArray(expr) || expr[0] === 'literal') return expr;
  if (expr[0] === 'get' && expr.length === 2 && typeof expr[1] === 'string') {
    const name = expr[1];
    if (name === 'incidents_count') {
      const count = ['coalesce', ['get', state.group ? `incidents_count_${state.group}` : 'incidents_count'], 0];
      const w = windowDays(state.window);
      return w ? ['case', overlaps('incidents_first_days', 'incidents_last_days', w), count, 0] : count;
    }
    if (!state.group) return expr;
    if (name === 'presence_count') return ['case', ['==', ['get', `presence_${state.group}`], true], 1, 0];
    const m = name.match(/^presence_(.+)$/);
    if (m && groupSlugs.has(m[1]) && m[1] !== state.group) return false;
    return expr;
  }
  return expr.map(substitute);
}

/** One layer of the style with the client filters applied: its filter and paint. */
function clientLayer(layer) {
  if (layer['source-layer'] === 'incidents') return { filter: incidentFilter(layer.filter), paint: layer.paint };
  const paint = {};
  for (const [k, v] of Object.entries(layer.paint || {})) paint[k] = substitute(v);
  return { filter: layer.filter === undefined ? undefined : substitute(layer.filter), paint };
}

/** Apply the current group and window to every layer of the map's style. */
export function applyClientFilters() {
  if (!map) return;
  for (const layer of baseLayers) {
    if (!layer.source || !map.getLayer(layer.id)) continue;
    const { filter, paint } = clientLayer(layer);
    map.setFilter(layer.id, filter === undefined ? null : filter);
    for (const [k, v] of Object.entries(paint || {})) map.setPaintProperty(layer.id, k, v);
  }
}
