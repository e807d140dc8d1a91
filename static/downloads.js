// Downloads of the data behind the view: CSV and GeoJSON of each claim layer, every row with
// its source, citation and report date. On a server the links carry the current filters (the
// `/data/{layer}` routes); a static site links the files exported beside it, whole.

import { STATIC } from './catalog.js';
import { $, el } from './dom.js';
import { claimLayers, dataUrl } from './view-data.js';

/** Links for the claim layers of `style`, titled by `titles` (layer id -> title). */
export function buildDownloads(style, titles) {
  const items = claimLayers(style).flatMap((layer) => {
    const title = titles.get(layer.id) || layer.id;
    return ['csv', 'geojson'].map((format) => el('li', {},
      el('a', { href: dataUrl(layer.id, format), download: '', 'data-format': format, 'data-layer': layer.id },
        `${title} (${format === 'csv' ? 'CSV' : 'GeoJSON'})`)));
  });
  $('downloads').replaceChildren(...items);
  $('data-note').textContent = STATIC
    ? 'The whole data set as this site ships it (a static copy cannot cut it to the filters); each row names its source, citation and report date.'
    : 'The rows behind this view, for the group and time window chosen; each row names its source, citation and report date.';
}
