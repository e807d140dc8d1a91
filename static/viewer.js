// The borderland viewer's entry point: a styled map with layer toggles, a legend read from the
// style, popups that cite each claim's source, and group/time filters. Each concern is its own
// module (state and hash, catalog, filters, groups, layers, legend, popups, embed, static mode);
// this file only wires them together in order.

import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';
import { $ } from './dom.js';
import { STATIC } from './catalog.js';
import { setupEmbed } from './embed.js';
import { applyFilters, attachFilterMap, setupTime } from './filters.js';
import { buildGroupPicker, nameGroups } from './groups.js';
import { buildLayerList } from './layers.js';
import { buildLegend } from './legend.js';
import { showPopup } from './popups.js';
import { attachMap, readHash, state, writeHash } from './state.js';
import { applyClientFilters, attachStaticMap, startStatic } from './static-mode.js';
import { STYLES, fetchStyle, switchStyle } from './style.js';

async function start() {
  readHash(STYLES);
  if (STATIC) await startStatic();
  if (state.embed) document.body.classList.add('embed');
  setupTime();
  setupEmbed();
  const groups = buildGroupPicker(applyFilters);
  const style = await fetchStyle(state.style);
  const map = new maplibregl.Map({
    container: 'map',
    style,
    attributionControl: { compact: false },
    maxZoom: 14,
  });
  attachMap(map);
  attachFilterMap(map);
  attachStaticMap(map);
  $('style-picker').value = state.style;
  $('style-picker').addEventListener('change', (e) => switchStyle(map, e.target.value));
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl(), 'top-left'); // the full attribution fills the bottom
  map.on('moveend', writeHash);
  map.on('click', (e) => showPopup(map, e));
  map.once('load', () => { buildLayerList(map); buildLegend(map); });
  map.on('idle', () => {
    groups.then(() => {
      // A group chosen before its spelling was known filters incidents by name only from now.
      if (nameGroups(map) && STATIC && state.group) applyClientFilters();
    });
  });
  window.borderland = { map, state, maplibregl };
}

start().catch((e) => {
  $('time-status').textContent = `The map could not start: ${e.message}`;
  throw e;
});
