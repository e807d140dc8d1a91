// The borderland viewer: a styled map with layer toggles, a legend read from the style,
// popups that cite each claim's source, and group/time filters that the server applies to
// the tiles. The view and filters live in the URL hash so a link (or an embed) shows the same.
// In static mode (the page `borderland export --site` writes) no server runs: tiles come from
// one PMTiles archive and the filters become MapLibre layer filters in the browser.

import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';

const SOURCE = 'borderland';
const FIRST_MONTH = '2021-08'; // the Taliban takeover; the default claims refer to later events
const STYLES = ['explainer', 'presence'];
const STATIC = document.querySelector('meta[name="borderland-mode"]')?.content === 'static';
// Label languages (`#lang=`): English is the data's `name`; the others read `name_<lang>`.
const LANGS = ['en', 'fa', 'ps', 'ur'];
const RTL_LANGS = ['fa', 'ps', 'ur'];

// ---- months -------------------------------------------------------------------------------

const monthIndex = (ym) => { const [y, m] = ym.split('-').map(Number); return y * 12 + (m - 1); };
const monthText = (i) => `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
const lastDay = (i) => new Date(Date.UTC(Math.floor(i / 12), (i % 12) + 1, 0)).getUTCDate();
const monthName = (i) => new Date(Date.UTC(Math.floor(i / 12), i % 12, 1))
  .toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const now = new Date();
const MIN = monthIndex(FIRST_MONTH);
const MAX = Math.max(now.getUTCFullYear() * 12 + now.getUTCMonth(), monthIndex('2026-01'));

// ---- state and the URL hash ---------------------------------------------------------------

const state = {
  style: 'explainer',
  group: '',
  window: null, // {from, to} month indexes, or null for all dates
  hidden: new Set(), // toggle names switched off
  view: null, // {zoom, lat, lon}
  embed: false,
  lang: 'en',
};

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  if (STYLES.includes(p.get('style'))) state.style = p.get('style');
  state.group = p.get('group') || '';
  const from = p.get('from'), to = p.get('to');
  if (/^\d{4}-\d{2}$/.test(from || '') && /^\d{4}-\d{2}$/.test(to || '')) {
    const a = monthIndex(from), b = monthIndex(to);
    state.window = { from: Math.min(a, b), to: Math.max(a, b) };
  }
  state.hidden = new Set((p.get('hide') || '').split(',').filter(Boolean));
  const m = (p.get('map') || '').split('/').map(Number);
  if (m.length === 3 && m.every(Number.isFinite)) state.view = { zoom: m[0], lat: m[1], lon: m[2] };
  state.embed = p.get('embed') === '1';
  state.lang = LANGS.includes(p.get('lang')) ? p.get('lang') : 'en';
}

function hashText() {
  const p = new URLSearchParams();
  if (map) {
    const c = map.getCenter();
    p.set('map', `${map.getZoom().toFixed(2)}/${c.lat.toFixed(4)}/${c.lng.toFixed(4)}`);
  }
  p.set('style', state.style);
  if (state.group) p.set('group', state.group);
  if (state.window) { p.set('from', monthText(state.window.from)); p.set('to', monthText(state.window.to)); }
  if (state.hidden.size) p.set('hide', [...state.hidden].join(','));
  if (state.embed) p.set('embed', '1');
  if (state.lang !== 'en') p.set('lang', state.lang);
  return p.toString().replace(/%2F/g, '/').replace(/%2C/g, ',');
}

const writeHash = () => history.replaceState(null, '', `#${hashText()}`);

// ---- server-side filters ------------------------------------------------------------------

/** The query string the server filters tiles with: `from`, `to`, `group`. */
function filterQuery() {
  const p = new URLSearchParams();
  if (state.window) {
    p.set('from', `${monthText(state.window.from)}-01`);
    p.set('to', `${monthText(state.window.to)}-${String(lastDay(state.window.to)).padStart(2, '0')}`);
  }
  if (state.group) p.set('group', state.group);
  const q = p.toString();
  return q ? `?${q}` : '';
}

let tilejsonBase = null; // the style's TileJSON URL without a query

function applyFilters() {
  writeHash();
  updateTimeStatus();
  if (STATIC) { applyClientFilters(); return; }
  const source = map && map.getSource(SOURCE);
  if (source && tilejsonBase) source.setUrl(tilejsonBase + filterQuery());
}

// ---- static mode: one PMTiles archive, filters in the browser ----------------------------

let site = null; // site.json, in static mode

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

/** Read site.json, show the static note, and register the `pmtiles://` protocol. */
async function startStatic() {
  const res = await fetch('site.json');
  if (!res.ok) throw new Error(`site.json: HTTP ${res.status}`);
  site = await res.json();
  $('static-note').hidden = false;
  const link = $('catalog-link');
  link.href = 'site.json';
  link.textContent = 'site.json';
  await loadScript('static/vendor/pmtiles/pmtiles.js');
  // metadata: the archive's TileJSON (attribution, vector_layers), not only its header.
  pmtilesProtocol = new window.pmtiles.Protocol({ metadata: true });
  maplibregl.addProtocol('pmtiles', pmtilesProtocol.tile);
}

/** `rel` resolved against `base`; the `{fontstack}`-style template after it is kept as is. */
function resolveTemplate(rel, base) {
  const cut = rel.indexOf('{');
  const head = cut < 0 ? rel : rel.slice(0, cut);
  return new URL(head, base).href + (cut < 0 ? '' : rel.slice(cut));
}

/** The site's style: relative glyph and archive URLs made absolute, the archive registered. */
function resolveStaticStyle(style, styleUrl) {
  if (typeof style.glyphs === 'string') style.glyphs = resolveTemplate(style.glyphs, styleUrl);
  for (const source of Object.values(style.sources)) {
    if (typeof source.url !== 'string' || !source.url.startsWith('pmtiles://')) continue;
    const archive = new URL(source.url.slice('pmtiles://'.length), styleUrl).href;
    if (!pmtilesProtocol.tiles.has(archive)) pmtilesProtocol.add(new window.pmtiles.PMTiles(new RangeOrWholeSource(archive)));
    source.url = `pmtiles://${archive}`;
  }
}

let baseLayers = []; // the style's layers as written, before client filters
const groupSpellings = new Map(); // slug -> names as the data spells them
let groupSlugs = new Set();

const DAY_MS = 86400000;
/** The time window as days since 1970-01-01, first day of the first month to last of the last. */
function windowDays() {
  if (!state.window) return null;
  const { from, to } = state.window;
  return {
    from: Date.UTC(Math.floor(from / 12), from % 12, 1) / DAY_MS,
    to: Date.UTC(Math.floor(to / 12), (to % 12) + 1, 0) / DAY_MS,
  };
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
  const w = windowDays();
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
      const w = windowDays();
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

function applyClientFilters() {
  if (!map) return;
  for (const layer of baseLayers) {
    if (!layer.source || !map.getLayer(layer.id)) continue;
    const { filter, paint } = clientLayer(layer);
    map.setFilter(layer.id, filter === undefined ? null : filter);
    for (const [k, v] of Object.entries(paint || {})) map.setPaintProperty(layer.id, k, v);
  }
}

// ---- DOM helpers --------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k === 'style') e.style.cssText = v; else e.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== '') e.append(c);
  return e;
}

// ---- style loading ------------------------------------------------------------------------

let map = null;

async function fetchStyle(name) {
  const styleUrl = new URL(`styles/${name}.json`, location.href).href;
  // the server rewrites labels for ?lang=; a static site's style files are rewritten here
  const res = await fetch(STATIC || state.lang === 'en' ? styleUrl : `${styleUrl}?lang=${state.lang}`);
  if (!res.ok) throw new Error(`style ${name}: HTTP ${res.status}`);
  const style = await res.json();
  if (STATIC) {
    if (state.lang !== 'en') {
      for (const l of style.layers) {
        if (l.type === 'symbol' && l.layout && l.layout['text-field'] !== undefined) {
          l.layout['text-field'] = ['coalesce', ['get', `name_${state.lang}`], l.layout['text-field']];
        }
      }
    }
    resolveStaticStyle(style, styleUrl);
    baseLayers = structuredClone(style.layers);
    for (const layer of style.layers) {
      if (!layer.source) continue;
      const { filter, paint } = clientLayer(layer);
      if (filter) layer.filter = filter; else delete layer.filter;
      if (layer.paint) layer.paint = paint;
    }
  } else {
    tilejsonBase = style.sources[SOURCE].url.split('?')[0];
    style.sources[SOURCE].url = tilejsonBase + filterQuery();
  }
  for (const layer of style.layers) {
    const toggle = layer.metadata && layer.metadata['borderland:toggle'];
    if (toggle && state.hidden.has(toggle)) layer.layout = { ...(layer.layout || {}), visibility: 'none' };
  }
  if (state.view) { style.center = [state.view.lon, state.view.lat]; style.zoom = state.view.zoom; }
  return style;
}

/** Labels in `lang`, and the page right-to-left for Dari, Pashto and Urdu. */
function setLanguage(lang) {
  state.lang = LANGS.includes(lang) ? lang : 'en';
  document.documentElement.lang = state.lang;
  document.documentElement.dir = RTL_LANGS.includes(state.lang) ? 'rtl' : 'ltr';
}

async function switchStyle(name) {
  state.style = name;
  state.view = { zoom: map.getZoom(), lat: map.getCenter().lat, lon: map.getCenter().lng };
  const style = await fetchStyle(name);
  map.setStyle(style);
  map.once('styledata', () => { buildLayerList(); buildLegend(); });
  writeHash();
}

// ---- layer list and legend (both read from the style) -------------------------------------

function styleLayers() {
  return map.getStyle().layers.filter((l) => l.metadata && l.metadata['borderland:toggle']);
}

function buildLayerList() {
  const list = $('layer-list');
  list.replaceChildren();
  const names = [...new Set(styleLayers().map((l) => l.metadata['borderland:toggle']))];
  names.forEach((name, i) => {
    const id = `toggle-${i}`;
    const box = el('input', { type: 'checkbox', id });
    box.checked = !state.hidden.has(name);
    box.addEventListener('change', () => {
      if (box.checked) state.hidden.delete(name); else state.hidden.add(name);
      for (const l of styleLayers()) {
        if (l.metadata['borderland:toggle'] === name) map.setLayoutProperty(l.id, 'visibility', box.checked ? 'visible' : 'none');
      }
      writeHash();
      buildLegend();
    });
    list.append(el('li', {}, box, ' ', el('label', { for: id }, name)));
  });
}

const isColour = (v) => typeof v === 'string';

/** Legend entries for one layer, from its paint expressions. */
function legendFor(layer) {
  const paint = layer.paint || {};
  const title = layer.metadata['borderland:legend'];
  const items = [];
  if (layer.type === 'fill') {
    const c = paint['fill-color'];
    if (Array.isArray(c) && c[0] === 'step') {
      const stops = [];
      for (let i = 3; i < c.length; i += 2) stops.push(c[i]);
      const colours = [c[2], ...stops.map((_, i) => c[4 + 2 * i])];
      colours.forEach((colour, i) => {
        const lo = i === 0 ? null : stops[i - 1];
        const hi = i < stops.length ? stops[i] - 1 : null;
        const text = lo === null ? (hi === 0 ? '0' : `fewer than ${stops[0]}`)
          : hi === null ? `${lo} or more` : lo === hi ? `${lo}` : `${lo}–${hi}`;
        items.push({ kind: 'fill', colour, text });
      });
    } else if (isColour(c)) items.push({ kind: 'fill', colour: c, text: '' });
  } else if (layer.type === 'line') {
    const c = paint['line-color'];
    items.push({ kind: paint['line-dasharray'] ? 'line dashed' : 'line', colour: isColour(c) ? c : '#333', text: '' });
  } else if (layer.type === 'circle') {
    const c = paint['circle-color'];
    if (Array.isArray(c) && c[0] === 'match') {
      for (let i = 2; i < c.length - 1; i += 2) items.push({ kind: 'circle', colour: c[i + 1], text: String(c[i]) });
      items.push({ kind: 'circle', colour: c[c.length - 1], text: 'other groups' });
    }
    if (JSON.stringify(paint['circle-radius'] || '').includes('fatalities')) {
      items.push({ kind: 'text', colour: '', text: 'Larger circles: more fatalities reported (none stated: smallest). Numbers: several incidents grouped at this zoom.' });
    }
  } else if (layer.type === 'symbol') {
    items.push({ kind: 'text', colour: '', text: 'Aa  (label)' });
  }
  return { title, items };
}

function buildLegend() {
  const legend = $('legend');
  legend.replaceChildren();
  for (const layer of map.getStyle().layers) {
    if (!layer.metadata || !layer.metadata['borderland:legend']) continue;
    if ((layer.layout || {}).visibility === 'none') continue;
    const { title, items } = legendFor(layer);
    legend.append(el('div', { class: 'legend-title' }, title));
    for (const item of items) {
      const swatch = item.kind === 'text' ? null
        : item.kind.startsWith('line') ? el('span', { class: `swatch ${item.kind}`, style: `border-top-color:${item.colour}` })
        : el('span', { class: `swatch ${item.kind}`, style: `background:${item.colour}` });
      legend.append(el('div', { class: 'legend-item' }, swatch, el('span', {}, item.text)));
    }
  }
}

// ---- groups -------------------------------------------------------------------------------

const slug = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
  .split(/[^\p{L}\p{N}]+/u).filter(Boolean).join('_');

/** Groups from the catalog's fields (`presence_<group>`, `incidents_count_<group>`), named
 *  as the data names them once features are loaded. */
async function buildGroupPicker() {
  const picker = $('group-picker');
  let slugs = new Set();
  try {
    let title, fields = [];
    if (STATIC) {
      // site.json: TileJSON vector_layers, whose fields are {name: type}.
      title = site.title;
      const provinces = (site.vector_layers || []).find((l) => l.id === 'provinces');
      fields = Object.entries((provinces && provinces.fields) || {})
        .map(([name, type]) => ({ name, type: String(type).toLowerCase() }));
    } else {
      const catalog = await (await fetch('catalog')).json();
      title = catalog.title;
      const provinces = catalog.layers.find((l) => l.id === 'provinces');
      fields = provinces ? provinces.fields : [];
    }
    if (title) { $('title').textContent = title; document.title = title; }
    for (const f of fields) {
      let m = f.name.match(/^presence_(.+)$/);
      if (m && f.type === 'boolean') slugs.add(m[1]);
      m = f.name.match(/^incidents_count_(.+)$/);
      if (m) slugs.add(m[1]);
    }
  } catch (e) {
    console.warn('the layer list is not available; no group list', e);
  }
  if (state.group) slugs.add(state.group);
  groupSlugs = slugs;
  for (const s of [...slugs].sort()) picker.append(el('option', { value: s }, s.replace(/_/g, ' ')));
  picker.value = state.group;
  picker.addEventListener('change', () => { state.group = picker.value; applyFilters(); });
}

/** Replace slug labels with the names used in the data (e.g. "al qaeda" becomes "Al-Qaeda"). */
const groupNames = new Map(); // slug -> name as the data spells it, learned as tiles load

function nameGroups() {
  const names = groupNames;
  const known = [...groupSpellings.values()].reduce((n, s) => n + s.size, 0);
  for (const f of map.querySourceFeatures(SOURCE, { sourceLayer: 'incidents' })) {
    if (f.properties.group && !f.properties.cluster) names.set(slug(f.properties.group), f.properties.group);
  }
  // Label points are never filtered, so their claims name every group.
  for (const f of map.querySourceFeatures(SOURCE, { sourceLayer: 'province_labels' })) {
    for (const g of String(f.properties.presence_groups || '').split(';').map((s) => s.trim()).filter(Boolean)) {
      names.set(slug(g), g);
    }
    for (const c of parseClaims(f.properties.incidents_claims)) if (c.group) names.set(slug(c.group), c.group);
  }
  for (const option of $('group-picker').options) {
    if (option.value && names.has(option.value)) option.textContent = names.get(option.value);
  }
  for (const [s, name] of names) {
    if (!groupSpellings.has(s)) groupSpellings.set(s, new Set());
    groupSpellings.get(s).add(name);
  }
  // A group chosen before its spelling was known filters incidents by name only from now.
  const now = [...groupSpellings.values()].reduce((n, s) => n + s.size, 0);
  if (STATIC && state.group && now !== known) applyClientFilters();
}

// ---- time window --------------------------------------------------------------------------

function updateTimeStatus() {
  const from = $('from-slider'), to = $('to-slider');
  if (state.window) {
    from.value = state.window.from - MIN; to.value = state.window.to - MIN;
    $('from-label').textContent = monthName(state.window.from);
    $('to-label').textContent = monthName(state.window.to);
    $('time-status').textContent = `Showing ${monthName(state.window.from)} to ${monthName(state.window.to)}. `
      + 'Undated incidents are hidden while a time window is set; reported presence has no '
      + 'dates in these sources and is always shown.';
  } else {
    from.value = 0; to.value = MAX - MIN;
    $('from-label').textContent = 'any date'; $('to-label').textContent = 'any date';
    $('time-status').textContent = 'All dates, including undated incidents. Move a slider to set a '
      + 'window (undated incidents are then hidden).';
  }
}

function setupTime() {
  const from = $('from-slider'), to = $('to-slider');
  for (const s of [from, to]) s.max = String(MAX - MIN);
  let timer = null;
  const moved = (which) => {
    let a = Number(from.value) + MIN, b = Number(to.value) + MIN;
    if (a > b) { if (which === 'from') b = a; else a = b; }
    state.window = { from: a, to: b };
    updateTimeStatus();
    clearTimeout(timer);
    timer = setTimeout(applyFilters, 150);
  };
  from.addEventListener('input', () => moved('from'));
  to.addEventListener('input', () => moved('to'));
  $('all-dates').addEventListener('click', () => { state.window = null; applyFilters(); });
  updateTimeStatus();
}

// ---- popups -------------------------------------------------------------------------------

function parseClaims(text) {
  try { const v = JSON.parse(text || '[]'); return Array.isArray(v) ? v : []; } catch { return []; }
}

function sourceBlock(c) {
  const link = typeof c.source_url === 'string' && /^https?:\/\//.test(c.source_url)
    ? el('a', { href: c.source_url, target: '_blank', rel: 'noopener' }, 'link') : null;
  return el('div', { class: 'source' },
    el('strong', {}, 'Source: '), String(c.source || 'not stated'),
    c.citation ? `, ${c.citation}` : '', link ? ' · ' : '', link,
    el('br'), `Report date: ${c.report_date || 'not stated'}`,
    c.date ? ` · Event date: ${c.date}` : '');
}

function claimBlock(c, kind) {
  return el('div', { class: 'claim' },
    el('div', {}, el('strong', {}, `${kind}${c.group ? `: ${c.group}` : ''}`)),
    c.claim ? el('blockquote', {}, `“${c.claim}”`) : null,
    sourceBlock(c));
}

function dl(rows) {
  return el('dl', {}, rows.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))]));
}

function provincePopup(p) {
  const presence = parseClaims(p.presence_claims), incidents = parseClaims(p.incidents_claims);
  return el('div', { class: 'popup' },
    el('h3', {}, `${p.name} (${p.country})`),
    dl([
      ['Code', p.iso_3166_2],
      ['Incidents', `${p.incidents_count ?? 0}${STATIC ? ' (all dates and groups)' : state.window ? ' in the time window' : ''}`],
      ['Fatalities', p.incidents_fatalities],
      ['Undated incidents', state.window ? null : p.incidents_undated],
      ['Groups reported', p.presence_groups || 'none in these sources'],
    ]),
    presence.map((c) => claimBlock(c, 'Reported presence')),
    incidents.map((c) => claimBlock(c, 'Reported incident')),
    el('p', { class: 'small' }, `Boundary: ${p.source || 'not stated'}`));
}

function incidentPopup(p) {
  return el('div', { class: 'popup' },
    el('h3', {}, `${p.group || 'Unknown group'}: ${p.event_type || 'incident'}`),
    dl([['Date', p.date || 'not stated'], ['Fatalities', p.fatalities ?? 'not stated'], ['Area', p.area]]),
    claimBlock(p, 'Claim'));
}

function onClick(e) {
  const layers = map.getStyle().layers;
  const ids = (pred) => layers.filter(pred).map((l) => l.id).filter((id) => map.getLayoutProperty(id, 'visibility') !== 'none');
  const points = map.queryRenderedFeatures(e.point, { layers: ids((l) => l['source-layer'] === 'incidents' && l.type === 'circle') });
  let content = null;
  if (points.length) {
    const p = points[0].properties;
    if (p.cluster) {
      content = el('div', { class: 'popup' }, el('h3', {}, `${p.point_count} incidents`), 'Zoom in to see each one and its source.');
    } else content = incidentPopup(p);
  } else {
    const polys = map.queryRenderedFeatures(e.point, { layers: ids((l) => l['source-layer'] === 'provinces' && l.type === 'fill') });
    if (polys.length) content = provincePopup(polys[0].properties);
  }
  if (content) new maplibregl.Popup({ maxWidth: '360px' }).setLngLat(e.lngLat).setDOMContent(content).addTo(map);
}

// ---- embed --------------------------------------------------------------------------------

function setupEmbed() {
  $('embed-button').addEventListener('click', () => {
    const base = location.href.split('#')[0];
    const saved = state.embed;
    state.embed = true;
    const src = `${base}#${hashText()}`;
    state.embed = saved;
    const title = `${document.title}: map`.replace(/"/g, '&quot;');
    $('embed-code').value = `<iframe src="${src.replace(/"/g, '%22')}" width="800" height="600" style="border:0" title="${title}" loading="lazy"></iframe>`;
    $('embed').hidden = false;
    $('embed-code').select();
  });
}

// ---- start --------------------------------------------------------------------------------

async function start() {
  readHash();
  // MapLibre joins and orders Arabic-script letters only with this plugin (loaded on first use)
  maplibregl.setRTLTextPlugin(new URL('static/vendor/mapbox-gl-rtl-text/mapbox-gl-rtl-text.js', location.href).href, true);
  setLanguage(state.lang);
  $('lang-picker').value = state.lang;
  $('lang-picker').addEventListener('change', (e) => { setLanguage(e.target.value); switchStyle(state.style); });
  if (STATIC) await startStatic();
  if (state.embed) document.body.classList.add('embed');
  $('style-picker').value = state.style;
  $('style-picker').addEventListener('change', (e) => switchStyle(e.target.value));
  setupTime();
  setupEmbed();
  const groups = buildGroupPicker();
  const style = await fetchStyle(state.style);
  map = new maplibregl.Map({
    container: 'map',
    style,
    attributionControl: { compact: false },
    maxZoom: 14,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl(), 'top-left'); // the full attribution fills the bottom
  map.on('moveend', writeHash);
  map.on('click', onClick);
  map.once('load', () => { buildLayerList(); buildLegend(); });
  map.on('idle', () => { groups.then(nameGroups); });
  window.borderland = { map, state, maplibregl };
}

start().catch((e) => {
  $('time-status').textContent = `The map could not start: ${e.message}`;
  throw e;
});
