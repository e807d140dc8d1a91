// What the viewer knows of the data, fetched once: the server's `/catalog`, or in static mode
// the site's `site.json`. Both carry the words, the styles on offer, the groups and the time
// range; the viewer names no layer, group or year of its own. The page's mode is read here too.

export const STATIC = document.querySelector('meta[name="borderland-mode"]')?.content === 'static';
/** The style's vector source that filters apply to (every generated style names it so). */
export const SOURCE = 'borderland';

let loaded = null;

/** The catalog (server) or site.json (static), fetched on first use and shared after. */
export function catalog() {
  if (!loaded) {
    loaded = (async () => {
      const url = STATIC ? 'site.json' : 'catalog';
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      return res.json();
    })();
  }
  return loaded;
}
