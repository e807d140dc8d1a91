// The map in words: which map, which time window and group, what the shading shows and where
// it is highest, how many incidents are drawn. Screen readers hear it as the map's
// description (a live region, updated as filters change); embeds and paper show it as text.

import { $ } from './dom.js';
import { groups } from './groups.js';
import { monthName } from './months.js';
import { state } from './state.js';

/** The description of the current view for `data` (from viewData) and the style's title. */
export function describe(styleTitle, data) {
  const parts = [`Map: ${styleTitle}.`];
  parts.push(state.window
    ? `Time window ${monthName(state.window.from)} to ${monthName(state.window.to)}.`
    : 'All dates.');
  const g = state.group && groups.get(state.group);
  parts.push(g ? `Group: ${g.label}.` : 'All groups.');
  for (const d of data) {
    const meta = d.layer.meta;
    if (d.layer.kind === 'areas') {
      const ev = meta['borderland:events'], pr = meta['borderland:presence'], nameField = meta['borderland:name'];
      const name = (f) => String(f.properties[nameField] ?? f.id);
      if (ev) {
        const counted = d.features.map((f) => [name(f), Number(f.properties[`${ev}_count`] || 0)])
          .filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
        const top = counted.slice(0, 3).map(([n, c]) => `${n} (${c})`).join(', ');
        const shading = d.layer.legend ? `Shading: ${d.layer.legend}.` : '';
        parts.push(`${shading} ${d.title}: ${counted.length} with at least one reported incident${top ? `; most: ${top}` : ''}.`.trim());
      }
      if (pr) {
        const present = d.features.filter((f) => Number(f.properties[`${pr}_count`] || 0) > 0).map(name).sort();
        if (present.length) parts.push(`${d.title} with reported presence: ${present.join(', ')}.`);
      }
    } else {
      parts.push(`${d.title}: ${d.features.length} incident${d.features.length === 1 ? '' : 's'} drawn as points.`);
    }
  }
  parts.push('Every claim is attributed to its source; see the list of places and incidents.');
  return parts.join(' ');
}

/** Write the description where screen readers, embeds and print read it. */
export function showDescription(text) {
  $('map-description').textContent = text;
}
