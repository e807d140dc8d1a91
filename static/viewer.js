// The borderland viewer's entry point: a styled map with layer toggles, a legend read from the
// style, popups that cite each claim's source, and group/time filters. Each concern is its own
// module (state and hash, catalog, words, filters, groups, layers, legend, popups, embed,
// static mode); this file only wires them together in order. Nothing here names a layer, a
// group or a year: the catalog and the style's metadata do.

import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';
import { $, el } from './dom.js';
import { STATIC, catalog } from './catalog.js';
import { setupEmbed } from './embed.js';
import { applyFilters, attachFilterMap, setupTime } from './filters.js';
import { buildGroupPicker } from './groups.js';
import { buildLayerList } from './layers.js';
import { buildLegend } from './legend.js';
import { showPopup } from './popups.js';
import { attachMap, readHash, state, writeHash } from './state.js';
import { applyClientFilters, attachStaticMap, startStatic } from './static-mode.js';
import { fetchStyle, styleData, switchStyle } from './style.js';
import { showWords } from './words.js';

/** The filters for a style's groups and time range. */
function setupFilters(style) {
  const { groups, time } = styleData(style);
  buildGroupPicker(groups, applyFilters);
  setupTime(time);
}

async function start() {
  const data = await catalog();
  showWords(data.words);
  const styles = data.styles || [];
  readHash(styles.map((s) => s.name));
  if (!styles.some((s) => s.name === state.style) && styles.length) state.style = styles[0].name;
  // MapLibre joins and orders Arabic-script letters only with this plugin (loaded on first use)
  maplibregl.setRTLTextPlugin(new URL('static/vendor/mapbox-gl-rtl-text/mapbox-gl-rtl-text.js', location.href).href, true);
  if (STATIC) await startStatic();
  if (state.embed) document.body.classList.add('embed');
  const picker = $('style-picker');
  picker.replaceChildren(...styles.map((s) => el('option', { value: s.name }, s.title)));
  picker.value = state.style;
  setupEmbed();
  const style = await fetchStyle(state.style, setupFilters);
  const map = new maplibregl.Map({
    container: 'map',
    style,
    attributionControl: { compact: false },
    maxZoom: 14,
  });
  attachMap(map);
  attachFilterMap(map);
  attachStaticMap(map);
  picker.addEventListener('change', (e) => switchStyle(map, e.target.value, setupFilters, () => {
    if (STATIC) applyClientFilters();
  }));
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl(), 'top-left'); // the full attribution fills the bottom
  map.on('moveend', writeHash);
  map.on('click', (e) => showPopup(map, e));
  map.once('load', () => {
    buildLayerList(map);
    buildLegend(map);
    if (STATIC) applyClientFilters();
  });
  window.borderland = { map, state, maplibregl };
}

start().catch((e) => {
  $('time-status').textContent = `The map could not start: ${e.message}`;
  $('time').hidden = false;
  throw e;
});
