// The data behind the current view, as the claims list, the map's text description and the
// downloads read it: the features of the style's claim layers (areas with counts and claims,
// dated incidents) under the current group and time window. On a server the download routes
// filter them (`data/{layer}.geojson?from=&to=&group=`, the same rows as the CSV link); in
// static mode the site's exported files are filtered here with the rules the map uses.

import { STATIC } from './catalog.js';
import { filterQuery } from './filters.js';
import { chosenNames, groups } from './groups.js';
import { windowDays } from './months.js';
import { state } from './state.js';
import { staticCounts } from './static-mode.js';

/** The claim layers a style draws: areas (fill layers naming events or presence prefixes) and
 *  incidents (circle layers of role `events`), one entry a source layer. */
export function claimLayers(style) {
  const areas = new Map(), events = new Map();
  for (const l of style.layers || []) {
    const meta = l.metadata || {};
    const id = l['source-layer'];
    if (!id) continue;
    if (l.type === 'fill' && (meta['borderland:events'] || meta['borderland:presence']) && !areas.has(id)) {
      areas.set(id, { id, kind: 'areas', meta, legend: meta['borderland:legend'] || null });
    } else if (l.type === 'circle' && meta['borderland:role'] === 'events' && !events.has(id)) {
      events.set(id, { id, kind: 'events', meta });
    }
  }
  return [...areas.values(), ...events.values()];
}

const declared = new Map(); // layer id -> the filters the server accepts for it

/** The catalog's layers (`[{id, filters}]`): a download asks each only for its own filters. */
export function knowLayers(layers) {
  for (const l of layers || []) if (l && Array.isArray(l.filters)) declared.set(l.id, l.filters);
}

/** A download of layer `id` in `format` (`csv` or `geojson`) for the current filters: the
 *  server's route with the filters the layer declares, or the static site's whole file. */
export function dataUrl(id, format) {
  const path = `data/${encodeURIComponent(id)}.${format}`;
  return STATIC ? path : path + filterQuery(declared.get(id) || []);
}

const fetched = new Map(); // url -> Promise of a FeatureCollection

function fetchCollection(url) {
  if (!fetched.has(url)) {
    fetched.set(url, fetch(url).then((res) => {
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      return res.json();
    }));
    fetched.get(url).catch(() => fetched.delete(url));
  }
  return fetched.get(url);
}

/** A `*_claims` attribute (JSON text, or already a list) as a list. */
export function claimsOf(value) {
  if (Array.isArray(value)) return value;
  try { const v = JSON.parse(value || '[]'); return Array.isArray(v) ? v : []; } catch { return []; }
}

/** A date span (days since 1970) overlapping the window; undated features fail it. */
function inWindow(p, w) {
  if (!w) return true;
  if (typeof p.date_days !== 'number') return false;
  const end = typeof p.date_end_days === 'number' ? p.date_end_days : p.date_days;
  return end >= w.from && p.date_days <= w.to;
}

const DAY_MS = 86400000;
/** A claim's `date` (YYYY, YYYY-MM or YYYY-MM-DD) as a span of days since 1970, as the
 *  server reads it: a month or a year covers all its days. */
function claimDays(date) {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(String(date || ''));
  if (!m) return {};
  const y = Number(m[1]), mo = m[2] ? Number(m[2]) - 1 : null, d = m[3] ? Number(m[3]) : null;
  const first = Date.UTC(y, mo ?? 0, d ?? 1) / DAY_MS;
  const last = d !== null ? first : mo !== null ? Date.UTC(y, mo + 1, 0) / DAY_MS : Date.UTC(y, 11, 31) / DAY_MS;
  return { date_days: first, date_end_days: last };
}

/** In static mode, an area's properties as the server would give them for the filters:
 *  counts recomputed from the site's dated rows, presence and claims of the chosen group. */
function filteredArea(layer, f) {
  const p = { ...f.properties };
  const ev = layer.meta['borderland:events'], pr = layer.meta['borderland:presence'];
  const names = chosenNames();
  if (ev) {
    const counts = staticCounts(layer.id, f.id);
    if (counts) Object.assign(p, counts);
    if (names.length || state.window) {
      const w = windowDays(state.window);
      p[`${ev}_claims`] = claimsOf(p[`${ev}_claims`]).filter((c) => (!names.length || names.includes(c.group))
        && (!w || inWindow(claimDays(c.date), w)));
    }
  }
  if (pr && names.length) {
    const g = groups.get(state.group);
    const has = g.keys.some((k) => p[`${pr}_${k}`] === true);
    p[`${pr}_count`] = has ? 1 : 0;
    p[`${pr}_groups`] = has ? g.label : null;
    p[`${pr}_claims`] = claimsOf(p[`${pr}_claims`]).filter((c) => names.includes(c.group));
  }
  return { ...f, properties: p };
}

/** Whether an area carries a claim under the filters: a count or a listed claim. */
function hasClaims(layer, p) {
  const ev = layer.meta['borderland:events'], pr = layer.meta['borderland:presence'];
  return [ev, pr].filter(Boolean).some((x) => Number(p[`${x}_count`] || 0) > 0 || claimsOf(p[`${x}_claims`]).length > 0);
}

/** Every claim layer's features that carry claims under the current filters:
 *  `[{layer, features}]`, areas first. */
export async function viewData(style) {
  const out = [];
  for (const layer of claimLayers(style)) {
    const collection = await fetchCollection(dataUrl(layer.id, 'geojson'));
    let features = collection.features || [];
    if (layer.kind === 'areas') {
      if (STATIC) features = features.map((f) => filteredArea(layer, f));
      features = features.filter((f) => hasClaims(layer, f.properties));
    } else if (STATIC) {
      const w = windowDays(state.window), names = chosenNames();
      features = features.filter((f) => inWindow(f.properties, w) && (!names.length || names.includes(f.properties.group)));
    }
    out.push({ layer, title: collection.title || layer.id, features });
  }
  return out;
}

/** The bounds of a GeoJSON geometry as [[west, south], [east, north]]. */
export function boundsOf(geometry) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  if (geometry && geometry.coordinates) walk(geometry.coordinates);
  return Number.isFinite(w) ? [[w, s], [e, n]] : null;
}
