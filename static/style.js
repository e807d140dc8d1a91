// Loading a style: fetched from `styles/NAME.json`, its source given the current filters (or,
// in static mode, the archive and client filters), toggled-off layers hidden, the hash's view.
// The styles on offer are the catalog's; their metadata names the groups and the time range.

import { STATIC, SOURCE } from './catalog.js';
import { filteredSourceUrl } from './filters.js';
import { buildLayerList, hideToggledOff } from './layers.js';
import { buildLegend } from './legend.js';
import { state, writeHash } from './state.js';
import { prepareStaticStyle } from './static-mode.js';

/** Fetch style `name`; `onData(style)` runs first (the filters need its groups and time range
 *  before the source URL is made). */
export async function fetchStyle(name, onData) {
  // against the page's base: a story page sits one folder down and sets `<base href="../">`
  const styleUrl = new URL(`styles/${name}.json`, document.baseURI).href;
  // the server rewrites labels for ?lang=; a static site's style files are rewritten here
  const res = await fetch(STATIC || state.lang === 'en' ? styleUrl : `${styleUrl}?lang=${state.lang}`);
  if (!res.ok) throw new Error(`style ${name}: HTTP ${res.status}`);
  const style = await res.json();
  onData(style);
  if (STATIC && state.lang !== 'en') {
    for (const l of style.layers) {
      if (l.type === 'symbol' && l.layout && l.layout['text-field'] !== undefined) {
        l.layout['text-field'] = ['coalesce', ['get', `name_${state.lang}`], l.layout['text-field']];
      }
    }
  }
  if (STATIC) prepareStaticStyle(style, styleUrl);
  else if (style.sources[SOURCE]) style.sources[SOURCE].url = filteredSourceUrl(style.sources[SOURCE].url);
  hideToggledOff(style);
  if (state.view) { style.center = [state.view.lon, state.view.lat]; style.zoom = state.view.zoom; }
  return style;
}

/** The style's groups and time range (`borderland:groups`, `borderland:time`). */
export const styleData = (style) => ({
  groups: (style.metadata || {})['borderland:groups'] || [],
  time: (style.metadata || {})['borderland:time'] || null,
});

export async function switchStyle(map, name, onData, onStyle) {
  state.style = name;
  state.view = { zoom: map.getZoom(), lat: map.getCenter().lat, lon: map.getCenter().lng };
  const style = await fetchStyle(name, onData);
  map.setStyle(style);
  map.once('styledata', () => { buildLayerList(map); buildLegend(map); onStyle(style); });
  writeHash();
}
