// The claims list: every feature that carries a claim under the current filters (areas with
// their counts, groups and sources; incidents with their date and source), as tables in the
// panel. Each name is a button: it moves the map there and opens the same popup as a click,
// so no claim needs a mouse. Rows come from view-data.js, the same rows as the downloads.

import { $, el } from './dom.js';
import { areaPopup, incidentPopup, openPopup } from './popups.js';
import { boundsOf, claimsOf } from './view-data.js';

const sourcesOf = (claims) => [...new Set(claims.map((c) => c.source).filter(Boolean))].join('; ');

/** Move the map to `f` (its bounds, or its point) and open its popup, focus coming back to
 *  `button` when the popup closes. */
function show(map, entry, f, button) {
  const b = boundsOf(f.geometry);
  if (!b) return;
  const [[w, s], [e, n]] = b;
  const at = [(w + e) / 2, (s + n) / 2];
  const content = entry.layer.kind === 'areas'
    ? areaPopup({ properties: f.properties, state: {} }, entry.layer.meta)
    : incidentPopup(f.properties);
  const open = () => openPopup(map, at, content, button);
  const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  if (w === e && s === n) map.easeTo({ center: at, zoom: Math.max(map.getZoom(), 7), duration: reduce ? 0 : 600 });
  else map.fitBounds(b, { padding: 40, maxZoom: 8, duration: reduce ? 0 : 600 });
  map.once('moveend', open);
}

function areaTable(map, entry) {
  const meta = entry.layer.meta;
  const ev = meta['borderland:events'], pr = meta['borderland:presence'], nameField = meta['borderland:name'];
  const head = ['Name', ev ? 'Incidents' : null, pr ? 'Groups reported' : null, 'Sources'].filter(Boolean);
  const rows = entry.features.map((f) => {
    const p = f.properties;
    const name = String(p[nameField] ?? f.id);
    const button = el('button', { type: 'button' }, name);
    button.addEventListener('click', () => show(map, entry, f, button));
    const claims = [ev, pr].filter(Boolean).flatMap((x) => claimsOf(p[`${x}_claims`]));
    return el('tr', {}, el('th', { scope: 'row' }, button),
      ev ? el('td', {}, String(p[`${ev}_count`] ?? 0)) : null,
      pr ? el('td', {}, String(p[`${pr}_groups`] || '–')) : null,
      el('td', { class: 'sources' }, sourcesOf(claims) || 'not stated'));
  });
  return el('table', {}, el('caption', {}, `${entry.title}: ${entry.features.length}`),
    el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows));
}

function incidentTable(map, entry) {
  const rows = entry.features.map((f) => {
    const p = f.properties;
    const button = el('button', { type: 'button' }, `${p.group || 'Unknown group'}: ${p.event_type || 'incident'}`);
    button.addEventListener('click', () => show(map, entry, f, button));
    return el('tr', {}, el('th', { scope: 'row' }, button),
      el('td', {}, String(p.area || '–')), el('td', {}, String(p.date || 'not stated')),
      el('td', { class: 'sources' }, String(p.source || 'not stated')));
  });
  return el('table', {}, el('caption', {}, `${entry.title}: ${entry.features.length}`),
    el('thead', {}, el('tr', {}, ['Incident', 'Area', 'Date', 'Source'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows));
}

/** Redraw the list for `data` (from viewData). */
export function buildClaimsList(map, data) {
  const tables = data.filter((d) => d.features.length > 0)
    .map((d) => (d.layer.kind === 'areas' ? areaTable(map, d) : incidentTable(map, d)));
  $('claims-list').replaceChildren(...(tables.length ? tables : [el('p', {}, 'No claims under these filters.')]));
  $('claims-section').hidden = data.length === 0;
}
