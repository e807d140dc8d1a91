// The viewer's state and the URL hash that carries it, so a link (or an embed) shows the same
// view, style, group, time window and hidden toggles. Only this module reads or writes the hash.

import { monthIndex, monthText } from './months.js';

export const state = {
  style: 'explainer',
  group: '',
  window: null, // {from, to} month indexes, or null for all dates
  hidden: new Set(), // toggle names switched off
  view: null, // {zoom, lat, lon}
  embed: false,
  lang: 'en', // label language: en (the data's `name`), fa, ps or ur (`name_<lang>`)
};

/** Label languages; the page is right-to-left for the Arabic-script ones. */
export const LANGS = ['en', 'fa', 'ps', 'ur'];
const RTL_LANGS = ['fa', 'ps', 'ur'];

/**
 * Labels in `lang`, and the page's direction to match. The page's `lang` stays English while
 * its words are English (no reviewed translation exists yet), so a screen reader does not read
 * English words with a Pashto voice; the map, whose labels are in `lang`, says so itself.
 */
export function setLanguage(lang) {
  state.lang = LANGS.includes(lang) ? lang : 'en';
  document.documentElement.lang = 'en';
  document.documentElement.dir = RTL_LANGS.includes(state.lang) ? 'rtl' : 'ltr';
  document.getElementById('map')?.setAttribute('lang', state.lang);
}

let map = null;
/** The map whose centre and zoom the hash records, once it exists. */
export function attachMap(m) { map = m; }

/** Read the hash into `state`; `styles` are the style names that may be chosen. */
export function readHash(styles) {
  const p = new URLSearchParams(location.hash.slice(1));
  if (styles.includes(p.get('style'))) state.style = p.get('style');
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
  setLanguage(p.get('lang'));
}

/** The hash for the current state; `overrides` changes fields for this text only. */
export function hashText(overrides = {}) {
  const s = { ...state, ...overrides };
  const p = new URLSearchParams();
  if (map) {
    const c = map.getCenter();
    p.set('map', `${map.getZoom().toFixed(2)}/${c.lat.toFixed(4)}/${c.lng.toFixed(4)}`);
  }
  p.set('style', s.style);
  if (s.group) p.set('group', s.group);
  if (s.window) { p.set('from', monthText(s.window.from)); p.set('to', monthText(s.window.to)); }
  if (s.hidden.size) p.set('hide', [...s.hidden].join(','));
  if (s.embed) p.set('embed', '1');
  if (s.lang !== 'en') p.set('lang', s.lang);
  return p.toString().replace(/%2F/g, '/').replace(/%2C/g, ',');
}

export const writeHash = () => history.replaceState(null, '', `#${hashText()}`);
