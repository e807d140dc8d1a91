// Loading a style: fetched from `styles/NAME.json`, its source given the current filters (or,
// in static mode, the archive and client filters), toggled-off layers hidden, the hash's view.

import { STATIC, SOURCE } from './catalog.js';
import { filteredSourceUrl } from './filters.js';
import { buildLayerList, hideToggledOff } from './layers.js';
import { buildLegend } from './legend.js';
import { state, writeHash } from './state.js';
import { prepareStaticStyle } from './static-mode.js';

/** The styles the picker offers. */
export const STYLES = ['explainer', 'presence'];

export async function fetchStyle(name) {
  const styleUrl = new URL(`styles/${name}.json`, location.href).href;
  const res = await fetch(styleUrl);
  if (!res.ok) throw new Error(`style ${name}: HTTP ${res.status}`);
  const style = await res.json();
  if (STATIC) prepareStaticStyle(style, styleUrl);
  else style.sources[SOURCE].url = filteredSourceUrl(style.sources[SOURCE].url);
  hideToggledOff(style);
  if (state.view) { style.center = [state.view.lon, state.view.lat]; style.zoom = state.view.zoom; }
  return style;
}

export async function switchStyle(map, name) {
  state.style = name;
  state.view = { zoom: map.getZoom(), lat: map.getCenter().lat, lon: map.getCenter().lng };
  const style = await fetchStyle(name);
  map.setStyle(style);
  map.once('styledata', () => { buildLayerList(map); buildLegend(map); });
  writeHash();
}
