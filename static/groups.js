// The groups the data names: the picker's options, found in the catalog's fields
// (`presence_<group>`, `incidents_count_<group>`), and their spellings as the data writes
// them, learned from the features as tiles load.

import { $, el } from './dom.js';
import { SOURCE, catalog, layerFields } from './catalog.js';
import { parseClaims } from './popups.js';
import { state } from './state.js';

/** Group slugs the filters know. */
export let groupSlugs = new Set();
/** slug -> names as the data spells them. */
export const groupSpellings = new Map();

export const slug = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
  .split(/[^\p{L}\p{N}]+/u).filter(Boolean).join('_');

/** Fill the group picker from the catalog; `onChange` runs when the reader picks one. */
export async function buildGroupPicker(onChange) {
  const picker = $('group-picker');
  const slugs = new Set();
  try {
    const { title } = await catalog();
    if (title) { $('title').textContent = title; document.title = title; }
    for (const f of await layerFields('provinces')) {
      let m = f.name.match(/^presence_(.+)$/);
      if (m && f.type === 'boolean') slugs.add(m[1]);
      m = f.name.match(/^incidents_count_(.+)$/);
      if (m) slugs.add(m[1]);
    }
  } catch (e) {
    console.warn('the layer list is not available; no group list', e);
  }
  if (state.group) slugs.add(state.group);
  groupSlugs = slugs;
  for (const s of [...slugs].sort()) picker.append(el('option', { value: s }, s.replace(/_/g, ' ')));
  picker.value = state.group;
  picker.addEventListener('change', () => { state.group = picker.value; onChange(); });
}

/** Replace slug labels with the names used in the data (e.g. "al qaeda" becomes "Al-Qaeda").
 *  Returns whether a spelling was learned. */
const names = new Map(); // slug -> name as the data spells it, learned as tiles load

export function nameGroups(map) {
  const known = [...groupSpellings.values()].reduce((n, s) => n + s.size, 0);
  for (const f of map.querySourceFeatures(SOURCE, { sourceLayer: 'incidents' })) {
    if (f.properties.group && !f.properties.cluster) names.set(slug(f.properties.group), f.properties.group);
  }
  // Label points are never filtered, so their claims name every group.
  for (const f of map.querySourceFeatures(SOURCE, { sourceLayer: 'province_labels' })) {
    for (const g of String(f.properties.presence_groups || '').split(';').map((s) => s.trim()).filter(Boolean)) {
      names.set(slug(g), g);
    }
    for (const c of parseClaims(f.properties.incidents_claims)) if (c.group) names.set(slug(c.group), c.group);
  }
  for (const option of $('group-picker').options) {
    if (option.value && names.has(option.value)) option.textContent = names.get(option.value);
  }
  for (const [s, name] of names) {
    if (!groupSpellings.has(s)) groupSpellings.set(s, new Set());
    groupSpellings.get(s).add(name);
  }
  return [...groupSpellings.values()].reduce((n, s) => n + s.size, 0) !== known;
}
