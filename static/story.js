// A story page's map: a sticky MapLibre map that shows each step's view, layers, group and
// time window, highlights and annotations as the reader scrolls to it (IntersectionObserver),
// and the same state again when they scroll back. The text, caveats and sources are the
// server's HTML; this module only drives the map, reusing the viewer's modules for styles,
// filters, popups and static mode.

import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';
import { STATIC, SOURCE } from './catalog.js';
import { filterQuery } from './filters.js';
import { setGroups } from './groups.js';
import { monthIndex } from './months.js';
import { showPopup } from './popups.js';
import { attachMap, hashText, state } from './state.js';
import { applyClientFilters, attachStaticMap, startStatic } from './static-mode.js';
import { fetchStyle, styleData } from './style.js';

const data = JSON.parse(document.getElementById('story-data').textContent);
const sections = [...document.querySelectorAll('.step')];
const reduced = matchMedia('(prefers-reduced-motion: reduce)');
const phone = matchMedia('(max-width: 700px)');
const EMPTY = { type: 'FeatureCollection', features: [] };
const OVERLAY = 'story-overlay';
const SVG = 'http://www.w3.org/2000/svg';

let map = null;
let current = -1;
let markers = [];
let highlighted = [];
let tilejsonBase = null;
let lastQuery = '';
let interactive = false;

/** Padding that keeps a fitted view clear of the text cards on a phone. */
const padding = () => (phone.matches
  ? { top: 40, bottom: Math.round(innerHeight * 0.35), left: 24, right: 24 }
  : { top: 40, bottom: 40, left: 40, right: 40 });

function initialView(step) {
  if (step.view.centre) return { center: step.view.centre, zoom: step.view.zoom };
  const [w, s, e, n] = step.view.bounds;
  return { bounds: [[w, s], [e, n]], fitBoundsOptions: { padding: padding() } };
}

function moveTo(view) {
  const animate = !reduced.matches;
  if (view.centre) {
    if (animate) map.flyTo({ center: view.centre, zoom: view.zoom, duration: 1500 });
    else map.jumpTo({ center: view.centre, zoom: view.zoom });
  } else {
    const [w, s, e, n] = view.bounds;
    map.fitBounds([[w, s], [e, n]], { padding: padding(), animate, duration: 1500 });
  }
}

/** Story layers on top of the style: highlights (feature-state) and the step's overlay. */
function addStoryLayers() {
  const kinds = data.layer_kinds || {};
  const layers = new Set(data.steps.flatMap((s) => s.highlights.map((h) => h.layer)));
  const on = ['boolean', ['feature-state', 'highlight'], false];
  for (const layer of layers) {
    // the layer's own metadata, so a click on a highlight shows the same popup (claims and sources)
    const own = map.getStyle().layers.find((l) => l['source-layer'] === layer && l.metadata && l.metadata['borderland:role']);
    const metadata = { ...((own && own.metadata) || {}), 'borderland:story': 'highlight' };
    delete metadata['borderland:toggle'];
    const base = { source: SOURCE, 'source-layer': layer, metadata };
    if (kinds[layer] === 'point') {
      map.addLayer({ ...base, id: `story-highlight-${layer}`, type: 'circle',
        paint: { 'circle-radius': ['case', on, 11, 0], 'circle-color': 'rgba(0,0,0,0)',
          'circle-stroke-color': '#111', 'circle-stroke-width': ['case', on, 3, 0] } });
    } else {
      if (kinds[layer] === 'polygon') {
        map.addLayer({ ...base, id: `story-highlight-${layer}-fill`, type: 'fill',
          paint: { 'fill-color': '#ffd92f', 'fill-opacity': ['case', on, 0.35, 0] } });
      }
      map.addLayer({ ...base, id: `story-highlight-${layer}`, type: 'line',
        paint: { 'line-color': '#111', 'line-width': ['case', on, 3.5, 0] } });
    }
  }
  map.addSource(OVERLAY, { type: 'geojson', data: EMPTY });
  const kind = (k) => ['==', ['geometry-type'], k];
  map.addLayer({ id: `${OVERLAY}-fill`, type: 'fill', source: OVERLAY, filter: kind('Polygon'),
    paint: { 'fill-color': '#6a3d9a', 'fill-opacity': 0.18 } });
  map.addLayer({ id: `${OVERLAY}-line`, type: 'line', source: OVERLAY, filter: ['!=', ['geometry-type'], 'Point'],
    paint: { 'line-color': '#6a3d9a', 'line-width': 2.5, 'line-dasharray': [2, 1] } });
  map.addLayer({ id: `${OVERLAY}-point`, type: 'circle', source: OVERLAY, filter: kind('Point'),
    paint: { 'circle-radius': 6, 'circle-color': '#6a3d9a', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
}

/** A callout: a box of text joined to its point by a leader line. */
function callout(a) {
  const root = document.createElement('div');
  root.className = 'story-callout';
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'leader');
  svg.setAttribute('width', '60');
  svg.setAttribute('height', '60');
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(SVG, 'line');
  for (const [k, v] of Object.entries({ x1: 2, y1: 58, x2: 58, y2: 2 })) line.setAttribute(k, String(v));
  const dot = document.createElementNS(SVG, 'circle');
  for (const [k, v] of Object.entries({ cx: 2, cy: 58, r: 2.5 })) dot.setAttribute(k, String(v));
  svg.append(line, dot);
  const box = document.createElement('p');
  box.className = 'box';
  box.setAttribute('role', 'note');
  box.textContent = a.text;
  root.append(svg, box);
  return root;
}

function label(a) {
  const span = document.createElement('span');
  span.className = 'story-label';
  span.textContent = a.text;
  return span;
}

function annotate(step) {
  for (const m of markers) m.remove();
  markers = [];
  const add = (element, at, anchor) => {
    const marker = new maplibregl.Marker({ element, anchor }).setLngLat(at).addTo(map);
    marker.getElement().removeAttribute('aria-label'); // the element holds its own text
    markers.push(marker);
  };
  for (const a of step.callouts) add(callout(a), a.at, 'bottom-left');
  for (const a of step.labels) add(label(a), a.at, 'center');
  map.getSource(OVERLAY).setData(step.overlay || EMPTY);
}

function highlight(step) {
  for (const h of highlighted) map.removeFeatureState({ source: SOURCE, sourceLayer: h.layer, id: h.id }, 'highlight');
  highlighted = step.highlights;
  for (const h of highlighted) map.setFeatureState({ source: SOURCE, sourceLayer: h.layer, id: h.id }, { highlight: true });
}

function showLayers(step) {
  for (const l of map.getStyle().layers) {
    const sl = l['source-layer'];
    if (l.source !== SOURCE || !sl) continue;
    map.setLayoutProperty(l.id, 'visibility', step.layers.includes(sl) ? 'visible' : 'none');
  }
}

function filter(step) {
  state.group = step.group || '';
  state.window = step.window ? { from: monthIndex(step.window[0]), to: monthIndex(step.window[1]) } : null;
  if (STATIC) { applyClientFilters(); return; }
  const q = filterQuery();
  if (q !== lastQuery && tilejsonBase) {
    lastQuery = q;
    map.getSource(SOURCE).setUrl(tilejsonBase + q);
  }
}

/** The last step hands the map over to the reader. */
function handOver(on) {
  if (on === interactive) return;
  interactive = on;
  for (const h of [map.scrollZoom, map.dragPan, map.doubleClickZoom, map.touchZoomRotate, map.keyboard]) {
    if (on) h.enable(); else h.disable();
  }
  if (!on && phone.matches) map.dragPan.disable();
  document.body.classList.toggle('exploring', on);
}

function updateLocator() {
  const L = data.locator;
  const box = document.getElementById('locator-box');
  if (!L || !box) return;
  const x = (lon) => (lon + 180) / 360;
  const y = (lat) => { const s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180); return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI); };
  const [w0, s0, e0, n0] = L.bounds;
  const sx = L.width / (x(e0) - x(w0)), sy = L.height / (y(s0) - y(n0));
  const b = map.getBounds();
  const left = (x(b.getWest()) - x(w0)) * sx, top = (y(b.getNorth()) - y(n0)) * sy;
  const width = Math.max(4, (x(b.getEast()) - x(b.getWest())) * sx);
  const height = Math.max(4, (y(b.getSouth()) - y(b.getNorth())) * sy);
  for (const [k, v] of Object.entries({ x: left, y: top, width, height })) box.setAttribute(k, v.toFixed(1));
  // Only where it helps: hidden when the map already shows most of the outline.
  document.getElementById('locator').classList.toggle('hidden', width > L.width * 0.6);
}

function updateExploreLink() {
  for (const a of document.querySelectorAll('.explore-link')) a.setAttribute('href', `./#${hashText()}`);
}

function applyStep(i) {
  if (i === current || !map || i < 0 || i >= data.steps.length) return;
  current = i;
  const step = data.steps[i];
  sections.forEach((s, j) => s.classList.toggle('active', j === i));
  showLayers(step);
  filter(step);
  highlight(step);
  annotate(step);
  handOver(Boolean(step.explore));
  moveTo(step.view);
  window.borderland.step = i;
  window.borderland.applied += 1;
}

/** The step whose section crosses the middle of the screen (the first one before any). */
function middleStep() {
  const mid = innerHeight / 2;
  let best = 0;
  sections.forEach((s, i) => { if (s.getBoundingClientRect().top < mid) best = i; });
  return best;
}

async function start() {
  if (STATIC) await startStatic();
  state.style = data.style;
  const style = await fetchStyle(data.style, (s) => setGroups(styleData(s).groups));
  map = new maplibregl.Map({
    container: 'map',
    style,
    maxZoom: 14,
    attributionControl: { compact: phone.matches },
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    scrollZoom: false,
    doubleClickZoom: false,
    touchZoomRotate: false,
    keyboard: false,
    dragPan: !phone.matches,
    ...initialView(data.steps[0]),
  });
  window.borderland = { map, state, maplibregl, story: data, step: -1, applied: 0 };
  attachMap(map);
  attachStaticMap(map);
  map.addControl(new maplibregl.ScaleControl(), 'bottom-left');
  map.on('click', (e) => showPopup(map, e));
  map.on('move', updateLocator);
  map.on('moveend', updateExploreLink);
  map.once('load', () => {
    const source = map.getStyle().sources[SOURCE];
    if (source && typeof source.url === 'string') tilejsonBase = source.url.split('?')[0];
    addStoryLayers();
    if (STATIC) applyClientFilters();
    applyStep(middleStep());
    updateLocator();
    const observer = new IntersectionObserver((entries) => {
      for (const e of entries) if (e.isIntersecting) applyStep(Number(e.target.dataset.step));
    }, { rootMargin: '-50% 0px -50% 0px' });
    for (const s of sections) observer.observe(s);
  });
}

start().catch((e) => {
  const note = document.createElement('p');
  note.className = 'note caution';
  note.textContent = `The map could not start (${e.message}); the text and sources are complete without it.`;
  document.querySelector('.story-head').append(note);
  throw e;
});
