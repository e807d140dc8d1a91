// The legend, read from the style: each layer with `metadata["borderland:legend"]` gets a
// title and swatches made from its paint (step classes, match categories, plain colours),
// group names as the data's groups label them, and what the classes are
// (`borderland:classes`).

import { $, el } from './dom.js';
import { groups } from './groups.js';

const isColour = (v) => typeof v === 'string';

/** Legend entries for one layer, from its paint expressions. */
function legendFor(layer) {
  const paint = layer.paint || {};
  const title = layer.metadata['borderland:legend'];
  const items = [];
  if (layer.type === 'fill') {
    const c = paint['fill-color'];
    if (Array.isArray(c) && c[0] === 'step') {
      const stops = [];
      for (let i = 3; i < c.length; i += 2) stops.push(c[i]);
      const colours = [c[2], ...stops.map((_, i) => c[4 + 2 * i])];
      colours.forEach((colour, i) => {
        const lo = i === 0 ? null : stops[i - 1];
        const hi = i < stops.length ? stops[i] - 1 : null;
        const text = lo === null ? (hi === 0 ? '0' : `fewer than ${stops[0]}`)
          : hi === null ? `${lo} or more` : lo === hi ? `${lo}` : `${lo}–${hi}`;
        items.push({ kind: 'fill', colour, text });
      });
    } else if (isColour(c)) items.push({ kind: 'fill', colour: c, text: '' });
  } else if (layer.type === 'line') {
    const c = paint['line-color'];
    items.push({ kind: paint['line-dasharray'] ? 'line dashed' : 'line', colour: isColour(c) ? c : '#333', text: '' });
  } else if (layer.type === 'circle') {
    const c = paint['circle-color'];
    if (Array.isArray(c) && c[0] === 'match') {
      for (let i = 2; i < c.length - 1; i += 2) {
        const names = Array.isArray(c[i]) ? c[i] : [c[i]];
        const g = [...groups.values()].find((x) => names.some((n) => x.names.includes(n)));
        items.push({ kind: 'circle', colour: c[i + 1], text: g ? g.label : names.join(', ') });
      }
      items.push({ kind: 'circle', colour: c[c.length - 1], text: 'other or no group' });
    } else if (isColour(c)) items.push({ kind: 'circle', colour: c, text: '' });
    if (JSON.stringify(paint['circle-radius'] || '').includes('fatalities')) {
      items.push({ kind: 'text', colour: '', text: 'Larger circles: more fatalities reported (none stated: smallest). Numbers: several incidents grouped at this zoom.' });
    }
  } else if (layer.type === 'symbol') {
    items.push({ kind: 'text', colour: '', text: 'Aa  (label)' });
  }
  const classes = layer.metadata['borderland:classes'];
  if (classes) items.push({ kind: 'text', colour: '', text: classes });
  return { title, items };
}

/** Rebuild the legend for the map's style, leaving out hidden layers. */
export function buildLegend(map) {
  const legend = $('legend');
  legend.replaceChildren();
  for (const layer of map.getStyle().layers) {
    if (!layer.metadata || !layer.metadata['borderland:legend']) continue;
    if ((layer.layout || {}).visibility === 'none') continue;
    const { title, items } = legendFor(layer);
    legend.append(el('div', { class: 'legend-title' }, title));
    for (const item of items) {
      const swatch = item.kind === 'text' ? null
        : item.kind.startsWith('line') ? el('span', { class: `swatch ${item.kind}`, style: `border-top-color:${item.colour}` })
        : el('span', { class: `swatch ${item.kind}`, style: `background:${item.colour}` });
      legend.append(el('div', { class: 'legend-item' }, swatch, el('span', {}, item.text)));
    }
  }
}
