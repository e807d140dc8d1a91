// The Embed button: an <iframe> snippet of the current view, with the compact embed layout.

import { $ } from './dom.js';
import { hashText } from './state.js';

export function setupEmbed() {
  $('embed-button').addEventListener('click', () => {
    const base = location.href.split('#')[0];
    const src = `${base}#${hashText({ embed: true })}`;
    const title = `${document.title}: map`.replace(/"/g, '&quot;');
    $('embed-code').value = `<iframe src="${src.replace(/"/g, '%22')}" width="800" height="600" style="border:0" title="${title}" loading="lazy"></iframe>`;
    $('embed').hidden = false;
    $('embed-code').select();
  });
}
