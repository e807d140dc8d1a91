// The map's words, all from the data's catalog (or site.json): title, subtitle, notes and
// caveats, "about the sources" and credits. Nothing here is built in; with no catalog there
// are none. The server writes the same words into the page, so this only redraws them.

import { $, el } from './dom.js';

/** Show `words` ({title, subtitle, notes: [{title, text, caution}], about_sources, credits}). */
export function showWords(words) {
  if (!words) return;
  if (words.title) { $('title').textContent = words.title; document.title = words.title; }
  const text = (id, value) => { $(id).textContent = value || ''; $(id).hidden = !value; };
  text('subtitle', words.subtitle);
  text('credits', words.credits);
  $('about-text').textContent = words.about_sources || '';
  $('about').hidden = !words.about_sources;
  $('notes').replaceChildren(...(words.notes || []).map((n) => el('p',
    { class: n.caution ? 'note caution' : 'note' },
    n.title ? el('strong', {}, n.title) : null, n.title ? ' ' : null, n.text)));
}
