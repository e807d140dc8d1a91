// Popups: a click on an incident or a province shows its attributes and, for every claim, the
// source, citation, link and report date.

import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';
import { el } from './dom.js';
import { STATIC } from './catalog.js';
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

/** The popup for a click on the map, if the click hit a point or a polygon. */
export function showPopup(map, e) {
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
