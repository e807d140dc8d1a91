// The layer list: one toggle per `metadata["borderland:toggle"]` name in the style (several
// style layers may share one), remembered in the hash as `hide=`.

import { $, el } from './dom.js';
import { buildLegend } from './legend.js';
import { state, writeHash } from './state.js';

const toggled = (map) => map.getStyle().layers.filter((l) => l.metadata && l.metadata['borderland:toggle']);

/** Style layers switched off in the hash are hidden before the style is drawn. */
export function hideToggledOff(style) {
  for (const layer of style.layers) {
    const toggle = layer.metadata && layer.metadata['borderland:toggle'];
    if (toggle && state.hidden.has(toggle)) layer.layout = { ...(layer.layout || {}), visibility: 'none' };
  }
}

export function buildLayerList(map) {
  const list = $('layer-list');
  list.replaceChildren();
  const names = [...new Set(toggled(map).map((l) => l.metadata['borderland:toggle']))];
  names.forEach((name, i) => {
    const id = `toggle-${i}`;
    const box = el('input', { type: 'checkbox', id });
    box.checked = !state.hidden.has(name);
    box.addEventListener('change', () => {
      if (box.checked) state.hidden.delete(name); else state.hidden.add(name);
      for (const l of toggled(map)) {
        if (l.metadata['borderland:toggle'] === name) map.setLayoutProperty(l.id, 'visibility', box.checked ? 'visible' : 'none');
      }
      writeHash();
      buildLegend(map);
    });
    list.append(el('li', {}, box, ' ', el('label', { for: id }, name)));
  });
}
