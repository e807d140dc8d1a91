// The groups the data names, as the style's metadata lists them (`borderland:groups`: slug,
// label, colour and every spelling the data uses): the picker's options, and what a choice
// means to the server (`group=` with every spelling) and to the browser's filters.

import { $, el } from './dom.js';
import { state } from './state.js';

/** slug -> {slug, label, colour, names}. */
export const groups = new Map();

/** Fill the group picker from the style's groups; `onChange` runs when the reader picks one.
 *  With no groups the picker is hidden. */
export function buildGroupPicker(list, onChange) {
  setGroups(list);
  if (state.group && !groups.has(state.group)) state.group = '';
  const picker = $('group-picker');
  picker.replaceChildren(el('option', { value: '' }, 'All groups'),
    ...[...groups.values()].map((g) => el('option', { value: g.slug }, g.label)));
  picker.value = state.group;
  picker.onchange = () => { state.group = picker.value; onChange(); };
  $('groups').hidden = groups.size === 0;
}

/** Know the style's groups without a picker (a story chooses them itself). */
export function setGroups(list) {
  groups.clear();
  for (const g of list || []) groups.set(g.slug, g);
}

/** The spellings the data uses for the chosen group (the server's `group=` takes them all). */
export const chosenNames = () => (state.group && groups.has(state.group) ? groups.get(state.group).names : []);
