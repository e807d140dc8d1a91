// Popups: a click on a point, a line or an area shows its attributes and, for every claim,
// the source, citation, link and report date. What a layer is comes from its style metadata
// (`borderland:role`, `borderland:events`, `borderland:presence`, `borderland:name`).

import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';
import { el } from './dom.js';
import { state } from './state.js';

/** A `*_claims` attribute (JSON text) as a list; anything else as none. */
export function parseClaims(text) {
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

/** Attributes a reader can use: not the joined ones (shown as counts and claims) and not
 *  the machine ones (days since 1970, JSON claims). */
function ownRows(p, prefixes, nameField) {
  return Object.entries(p)
    .filter(([k]) => k !== nameField && !prefixes.some((x) => k.startsWith(`${x}_`)))
    .filter(([k, v]) => !k.endsWith('_days') && !k.endsWith('_claims') && typeof v !== 'object')
    .slice(0, 12);
}

/** An area (a polygon with claims joined): its attributes, its counts under the current
 *  filters and every claim with its source. */
function areaPopup(f, meta) {
  const p = f.properties, st = f.state || {};
  const ev = meta['borderland:events'], pr = meta['borderland:presence'], nameField = meta['borderland:name'];
  const prefixes = [ev, pr].filter(Boolean);
  const count = (k) => (st[k] !== undefined ? st[k] : p[k]);
  const rows = ownRows(p, prefixes, nameField);
  if (ev) {
    rows.push(['Incidents', `${count(`${ev}_count`) ?? 0}${state.window ? ' in the time window' : ''}`]);
    rows.push(['Fatalities', count(`${ev}_fatalities`)]);
    if (!state.window) rows.push(['Undated incidents', p[`${ev}_undated`]]);
  }
  if (pr) rows.push(['Groups reported', p[`${pr}_groups`] || 'none in these sources']);
  return el('div', { class: 'popup' },
    el('h3', {}, String(p[nameField] ?? 'Area')),
    dl(rows),
    pr ? parseClaims(p[`${pr}_claims`]).map((c) => claimBlock(c, 'Reported presence')) : [],
    ev ? parseClaims(p[`${ev}_claims`]).map((c) => claimBlock(c, 'Reported incident')) : []);
}

/** Any other feature: its attributes. */
function featurePopup(f, meta) {
  const nameField = meta['borderland:name'];
  return el('div', { class: 'popup' },
    el('h3', {}, String(f.properties[nameField] ?? meta['borderland:title'] ?? 'Feature')),
    dl(ownRows(f.properties, [], nameField)));
}

function incidentPopup(p) {
  return el('div', { class: 'popup' },
    el('h3', {}, `${p.group || 'Unknown group'}: ${p.event_type || 'incident'}`),
    dl([['Date', p.date || 'not stated'], ['Fatalities', p.fatalities ?? 'not stated'], ['Area', p.area]]),
    claimBlock(p, 'Claim'));
}

const role = (l) => (l.metadata || {})['borderland:role'];

/** The popup for a click on the map: a point first, then a line, then an area. */
export function showPopup(map, e) {
  const layers = map.getStyle().layers.filter((l) => l.source && map.getLayoutProperty(l.id, 'visibility') !== 'none');
  const at = (pred) => {
    const ids = layers.filter(pred).map((l) => l.id);
    return ids.length ? map.queryRenderedFeatures(e.point, { layers: ids }) : [];
  };
  const metaOf = (f) => (layers.find((l) => l.id === f.layer.id) || {}).metadata || {};
  let content = null;
  const [point] = at((l) => l.type === 'circle');
  const [line] = point ? [] : at((l) => l.type === 'line' && role(l) === 'lines');
  const [area] = point || line ? [] : at((l) => l.type === 'fill');
  if (point && metaOf(point)['borderland:role'] === 'events') {
    const p = point.properties;
    content = p.cluster
      ? el('div', { class: 'popup' }, el('h3', {}, `${p.point_count} incidents`), 'Zoom in to see each one and its source.')
      : incidentPopup(p);
  } else if (point || line) content = featurePopup(point || line, metaOf(point || line));
  else if (area) content = areaPopup(area, metaOf(area));
  if (content) new maplibregl.Popup({ maxWidth: '360px' }).setLngLat(e.lngLat).setDOMContent(content).addTo(map);
}
