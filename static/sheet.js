// On a phone the panel is a sheet over the map: its head (title and one button) stays at the
// bottom, its body (legend, filters, notes) opens over the map and closes again.

import { $ } from './dom.js';

/** Wire the sheet's button; `narrow()` tells whether the phone layout is in use. */
export function setupSheet() {
  const button = $('sheet-toggle');
  const set = (open) => {
    $('panel').classList.toggle('open', open);
    button.setAttribute('aria-expanded', String(open));
    button.textContent = open ? 'Close legend, filters and notes' : 'Legend, filters and notes';
  };
  button.addEventListener('click', () => set(!$('panel').classList.contains('open')));
  set(false);
}

/** Whether the page is laid out for a phone (the width viewer.css switches at). */
export const narrow = () => window.matchMedia('(max-width: 700px)').matches;
