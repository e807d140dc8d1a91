// What the viewer knows of the data, fetched once: the server's `/catalog`, or in static mode
// the site's `site.json` (the archive's TileJSON). Which mode the page is in is read here too.

export const STATIC = document.querySelector('meta[name="borderland-mode"]')?.content === 'static';
/** The style's vector source that filters apply to. */
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

/** A layer's fields as [{name, type}], from the catalog or, in static mode, TileJSON. */
export async function layerFields(id) {
  const c = await catalog();
  if (STATIC) {
    // site.json: TileJSON vector_layers, whose fields are {name: type}.
    const layer = (c.vector_layers || []).find((l) => l.id === id);
    return Object.entries((layer && layer.fields) || {})
      .map(([name, type]) => ({ name, type: String(type).toLowerCase() }));
  }
  const layer = (c.layers || []).find((l) => l.id === id);
  return layer ? layer.fields : [];
}
