// The borderland viewer's entry point: a styled map with layer toggles, a legend read from the
// style, popups that cite each claim's source, and group/time filters. Each concern is its own
// module (state and hash, catalog, words, filters, groups, layers, legend, popups, embed,
// static mode; for readers: the phone sheet, the claims list, the map's description,
// downloads and pictures); this file only wires them together in order. Nothing here names a
// layer, a group or a year: the catalog and the style's metadata do.

import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';
import { $, el } from './dom.js';
import { STATIC, catalog } from './catalog.js';
import { buildClaimsList } from './claims-list.js';
import { describe, showDescription } from './description.js';
import { buildDownloads } from './downloads.js';
import { setupEmbed, startEmbedded } from './embed.js';
import { applyFilters, attachFilterMap, onFiltersApplied, setupTime } from './filters.js';
import { buildGroupPicker } from './groups.js';
import { buildLayerList } from './layers.js';
import { buildLegend } from './legend.js';
import { showPopup } from './popups.js';
import { attachMap, readHash, state, writeHash } from './state.js';
import { applyClientFilters, attachStaticMap, startStatic } from './static-mode.js';
import { fetchStyle, styleData, switchStyle } from './style.js';
import { setupPicture } from './picture.js';
import { narrow, setupSheet } from './sheet.js';
import { knowLayers, viewData } from './view-data.js';
import { showWords } from './words.js';

/** The filters for a style's groups and time range. */
function setupFilters(style) {
  const { groups, time } = styleData(style);
  buildGroupPicker(groups, applyFilters);
  setupTime(time);
}

/**
 * The label language picker: `#lang=` in the hash, kept with the rest of the view. A new
 * language reloads the page, as the style, the labels and the page's direction all change.
 */
function setupLanguagePicker() {
  const picker = $('lang-picker');
  if (!picker) return;
  picker.value = state.lang;
  picker.addEventListener('change', () => {
    const p = new URLSearchParams(location.hash.slice(1));
    if (picker.value === 'en') p.delete('lang'); else p.set('lang', picker.value);
    location.hash = p.toString();
    location.reload();
  });
}

async function start() {
  const data = await catalog();
  showWords(data.words);
  const styles = data.styles || [];
  readHash(styles.map((s) => s.name));
  setupLanguagePicker();
  if (!styles.some((s) => s.name === state.style) && styles.length) state.style = styles[0].name;
  // MapLibre joins and orders Arabic-script letters only with this plugin (loaded on first use)
  maplibregl.setRTLTextPlugin(new URL('static/vendor/mapbox-gl-rtl-text/mapbox-gl-rtl-text.js', location.href).href, true);
  if (STATIC) await startStatic();
  if (state.embed) startEmbedded();
  setupSheet();
  const picker = $('style-picker');
  picker.replaceChildren(...styles.map((s) => el('option', { value: s.name }, s.title)));
  picker.value = state.style;
  // The snippet points at the server's public URL (`--public-url`, or the address it was
  // reached at, as the catalog says), or at the static site's own address.
  setupEmbed(() => data.viewer || location.href);
  const style = await fetchStyle(state.style, setupFilters);
  const small = narrow() || state.embed;
  const map = new maplibregl.Map({
    container: 'map',
    style,
    attributionControl: false,
    maxZoom: 14,
    // Kept after each frame, so "Download image" and printing can read the map as drawn.
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  // Full on a desktop; on a phone or in an embed one (i) button that opens it.
  map.addControl(new maplibregl.AttributionControl({ compact: small }), 'bottom-right');
  // MapLibre opens a compact attribution when its text arrives; start it closed.
  if (small) {
    map.once('idle', () => {
      const attrib = map.getContainer().querySelector('.maplibregl-ctrl-attrib');
      if (attrib) { attrib.classList.remove('maplibregl-compact-show'); attrib.removeAttribute('open'); }
    });
  }
  setupPicture(map);
  const titles = new Map([...(data.layers || []), ...(data.downloads || [])]
    .filter((l) => l && typeof l === 'object').map((l) => [l.id || l.layer, l.title]));
  knowLayers(data.layers);
  let asked = 0;
  const refreshView = async () => {
    const ask = ++asked;
    const current = map.getStyle();
    buildDownloads(current, titles);
    try {
      const rows = await viewData(current);
      if (ask !== asked) return; // a later change has already asked
      buildClaimsList(map, rows);
      const title = (styles.find((s) => s.name === state.style) || {}).title || state.style;
      showDescription(describe(title, rows));
    } catch (e) {
      showDescription(`The list of claims could not be loaded: ${e.message}`);
    }
  };
  onFiltersApplied(refreshView);
  attachMap(map);
  attachFilterMap(map);
  attachStaticMap(map);
  picker.addEventListener('change', (e) => switchStyle(map, e.target.value, setupFilters, () => {
    if (STATIC) applyClientFilters();
    refreshView();
  }));
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl(), 'top-left'); // the full attribution fills the bottom
  map.on('moveend', writeHash);
  map.on('click', (e) => showPopup(map, e));
  map.once('load', () => {
    buildLayerList(map);
    buildLegend(map);
    if (STATIC) applyClientFilters();
    refreshView();
  });
  window.borderland = { map, state, maplibregl };
}

start().catch((e) => {
  $('time-status').textContent = `The map could not start: ${e.message}`;
  $('time').hidden = false;
  throw e;
});
