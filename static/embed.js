// Embeds: the Embed button's snippet (an <iframe> of the current view at the server's public
// URL or the site's own, 100% wide, with a small script that sets its height from the page's
// `postMessage`, as Datawrapper's embeds do) and the embedded page itself (title, legend,
// "sources and notes", full view link; it posts its height to the host page).

import { $ } from './dom.js';
import { hashText } from './state.js';

/** The host page's half: resize each borderland iframe to the height its page posts. */
const RESIZER = '(function(){window.addEventListener("message",function(e){var d=e.data;'
  + 'if(!d||d.type!=="borderland:height"||!(d.height>0))return;'
  + 'document.querySelectorAll("iframe[data-borderland-embed]").forEach(function(f){'
  + 'if(f.contentWindow===e.source&&new URL(f.src).origin===e.origin)'
  + 'f.style.height=Math.min(Math.max(Math.ceil(d.height),200),4000)+"px";});});})();';

/** The snippet for the current view: `base` is the viewer's public address. */
export function embedSnippet(base) {
  const src = `${base.split('#')[0]}#${hashText({ embed: true })}`;
  const title = `${document.title}: map`.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<iframe src="${src.replace(/"/g, '%22')}" title="${title}" style="display:block;width:100%;height:560px;border:0" loading="lazy" data-borderland-embed></iframe>\n`
    + `<script>${RESIZER}</script>`;
}

/** The Embed button; `publicUrl()` gives the address the snippet points at. */
export function setupEmbed(publicUrl) {
  $('embed-button').addEventListener('click', () => {
    $('embed-code').value = embedSnippet(publicUrl());
    $('embed').hidden = false;
    $('embed-code').select();
  });
}

/** The embedded page: minimal chrome, and its height posted to the host page. */
export function startEmbedded() {
  document.body.classList.add('embed');
  $('embed-links').hidden = false;
  const full = $('full-view');
  full.href = `${location.href.split('#')[0]}#${hashText({ embed: false })}`;
  const toggle = $('embed-notes-toggle');
  toggle.addEventListener('click', () => {
    const open = !$('notes-block').classList.contains('open');
    $('notes-block').classList.toggle('open', open);
    toggle.setAttribute('aria-expanded', String(open));
  });
  if (window.parent === window) return;
  const post = () => window.parent.postMessage({ type: 'borderland:height', height: document.documentElement.scrollHeight }, '*');
  new ResizeObserver(post).observe(document.body);
  post();
}
