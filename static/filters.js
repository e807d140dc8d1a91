// The group and time-window filters: the controls, and how a choice reaches the map. On a
// server the TileJSON URL carries `?from=&to=&group=` and the server filters the tiles; in
// static mode the browser filters (static-mode.js). The slider's range is the data's: the
// style's `borderland:time` (first and last dated rows, or what the catalog sets).

import { $ } from './dom.js';
import { lastDay, monthIndex, monthName, monthText } from './months.js';
import { SOURCE, STATIC } from './catalog.js';
import { chosenNames } from './groups.js';
import { state, writeHash } from './state.js';
import { applyClientFilters } from './static-mode.js';

let MIN = 0, MAX = 0;
let map = null;
let tilejsonBase = null; // the style's TileJSON URL without a query

export function attachFilterMap(m) { map = m; }

/** The query string the server filters tiles with: `from`, `to`, `group` (every spelling). */
export function filterQuery() {
  const p = new URLSearchParams();
  if (state.window) {
    p.set('from', `${monthText(state.window.from)}-01`);
    p.set('to', `${monthText(state.window.to)}-${String(lastDay(state.window.to)).padStart(2, '0')}`);
  }
  const names = chosenNames();
  if (names.length) p.set('group', names.join(','));
  const q = p.toString();
  return q ? `?${q}` : '';
}

/** A server style's filtered source: its TileJSON URL with the current filters. */
export function filteredSourceUrl(url) {
  tilejsonBase = url.split('?')[0];
  return tilejsonBase + filterQuery();
}

export function applyFilters() {
  writeHash();
  updateTimeStatus();
  if (STATIC) { applyClientFilters(); return; }
  const source = map && map.getSource(SOURCE);
  if (source && tilejsonBase) source.setUrl(tilejsonBase + filterQuery());
}

function updateTimeStatus() {
  const from = $('from-slider'), to = $('to-slider');
  if (state.window) {
    from.value = state.window.from - MIN; to.value = state.window.to - MIN;
    $('from-label').textContent = monthName(state.window.from);
    $('to-label').textContent = monthName(state.window.to);
    $('time-status').textContent = `Showing ${monthName(state.window.from)} to ${monthName(state.window.to)}. `
      + 'Undated incidents are hidden while a time window is set; undated claims (such as '
      + 'reported presence) are always shown.';
  } else {
    from.value = 0; to.value = MAX - MIN;
    $('from-label').textContent = 'any date'; $('to-label').textContent = 'any date';
    $('time-status').textContent = 'All dates, including undated incidents. Move a slider to set a '
      + 'window (undated incidents are then hidden).';
  }
}

/** The time controls for the data's range `time` ({first, last} as dates), or none. */
export function setupTime(time) {
  const fieldset = $('time');
  if (!time || !time.first || !time.last) { fieldset.hidden = true; state.window = null; return; }
  fieldset.hidden = false;
  MIN = monthIndex(time.first.slice(0, 7));
  MAX = Math.max(MIN, monthIndex(time.last.slice(0, 7)));
  const from = $('from-slider'), to = $('to-slider');
  for (const s of [from, to]) s.max = String(MAX - MIN);
  let timer = null;
  const moved = (which) => {
    let a = Number(from.value) + MIN, b = Number(to.value) + MIN;
    if (a > b) { if (which === 'from') b = a; else a = b; }
    state.window = { from: a, to: b };
    updateTimeStatus();
    clearTimeout(timer);
    timer = setTimeout(applyFilters, 150);
  };
  from.oninput = () => moved('from');
  to.oninput = () => moved('to');
  $('all-dates').onclick = () => { state.window = null; applyFilters(); };
  updateTimeStatus();
}
