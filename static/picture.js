// The map on paper and as a picture: "Download image" saves a PNG of the map as drawn (its
// canvas is preserved for this) with the title, legend and attribution under it; printing
// shows a still copy of the map, since the live canvas may be cleared while the page is laid
// out for paper.

import { $ } from './dom.js';

/** Lines of `text` no wider than `width` in the context's font. */
function wrap(ctx, text, width) {
  const lines = [];
  let line = '';
  for (const word of String(text).split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) { lines.push(line); line = word; } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** The legend as drawn in the panel: titles and swatches (kind, colour) with their text. */
function legendEntries() {
  return [...$('legend').children].map((node) => {
    if (node.classList.contains('legend-title')) return { title: node.textContent };
    const swatch = node.querySelector('.swatch');
    const css = swatch ? getComputedStyle(swatch) : null;
    return {
      kind: swatch ? (swatch.classList.contains('line') ? 'line' : swatch.classList.contains('circle') ? 'circle' : 'fill') : 'text',
      colour: css ? (swatch.classList.contains('line') ? css.borderTopColor : css.backgroundColor) : '',
      text: node.textContent.trim(),
    };
  });
}

/** A PNG (as a Blob) of the map with the title, legend and attribution under it. */
export async function mapImage(map) {
  const canvas = map.getCanvas();
  const scale = canvas.width / canvas.clientWidth || 1;
  const width = canvas.width;
  const pad = 12 * scale, line = 16 * scale;
  const out = document.createElement('canvas');
  const ctx = out.getContext('2d');
  const font = (size, bold = false) => `${bold ? '600 ' : ''}${size * scale}px system-ui, sans-serif`;
  // Lay the text out first, to know the height.
  const rows = [];
  ctx.font = font(16, true);
  for (const l of wrap(ctx, $('title').textContent, width - 2 * pad)) rows.push({ text: l, font: font(16, true) });
  ctx.font = font(12);
  for (const entry of legendEntries()) {
    if (entry.title !== undefined) {
      ctx.font = font(12, true);
      for (const l of wrap(ctx, entry.title, width - 2 * pad)) rows.push({ text: l, font: font(12, true) });
    } else {
      ctx.font = font(12);
      const indent = entry.kind === 'text' ? 0 : 26 * scale;
      wrap(ctx, entry.text || ' ', width - 2 * pad - indent).forEach((l, i) => rows.push({
        text: l, font: font(12), indent, swatch: i === 0 && entry.kind !== 'text' ? entry : null,
      }));
    }
  }
  const attribution = (map.getContainer().querySelector('.maplibregl-ctrl-attrib-inner') || {}).textContent || '';
  ctx.font = font(11);
  for (const l of wrap(ctx, attribution, width - 2 * pad)) rows.push({ text: l, font: font(11), colour: '#444' });
  out.width = width;
  out.height = canvas.height + pad * 2 + rows.length * line;
  // Opaque white under everything, so no pixel of the picture is transparent.
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(canvas, 0, 0);
  let y = canvas.height + pad;
  ctx.textBaseline = 'top';
  for (const r of rows) {
    if (r.swatch) {
      const s = r.swatch, x = pad, h = 12 * scale;
      ctx.fillStyle = s.colour || '#888';
      ctx.strokeStyle = s.colour || '#888';
      if (s.kind === 'line') { ctx.lineWidth = 3 * scale; ctx.beginPath(); ctx.moveTo(x, y + h / 2); ctx.lineTo(x + 18 * scale, y + h / 2); ctx.stroke(); }
      else if (s.kind === 'circle') { ctx.beginPath(); ctx.arc(x + 9 * scale, y + h / 2, 6 * scale, 0, 2 * Math.PI); ctx.fill(); }
      else { ctx.fillRect(x, y, 18 * scale, h); ctx.strokeStyle = '#999'; ctx.lineWidth = scale; ctx.strokeRect(x, y, 18 * scale, h); }
    }
    ctx.font = r.font;
    ctx.fillStyle = r.colour || '#222';
    ctx.fillText(r.text, pad + (r.indent || 0), y);
    y += line;
  }
  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('the image could not be made'))), 'image/png'));
}

/** Save a Blob under `name` through a download link. */
function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** A still copy of the map for paper, shown in place of the live canvas while printing. */
function stillForPrint(map) {
  const old = $('print-map');
  if (old) old.remove();
  const img = document.createElement('img');
  img.id = 'print-map';
  img.alt = $('map-description').textContent;
  img.src = map.getCanvas().toDataURL('image/png');
  map.getContainer().append(img);
}

/** Wire "Download image" and "Print" to `map`. */
export function setupPicture(map) {
  const slug = () => ($('title').textContent || 'map').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'map';
  $('image-button').addEventListener('click', async () => {
    try { save(await mapImage(map), `${slug()}.png`); } catch (e) { $('data-note').textContent = `No image: ${e.message}`; }
  });
  $('print-button').addEventListener('click', () => window.print());
  window.addEventListener('beforeprint', () => stillForPrint(map));
  window.matchMedia('print').addEventListener('change', (m) => { if (m.matches) stillForPrint(map); });
}
