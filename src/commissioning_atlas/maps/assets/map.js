// Commissioning Atlas map page: draws the page's data (the "ca-data" JSON block) with Leaflet.
// Plain ES5 so that the --no-pack page opens in old browsers. Table text only ever goes through textContent.
(function () {
"use strict";
var DATA = JSON.parse(document.getElementById("ca-data").textContent);
var SX = DATA.scale[0], SY = DATA.scale[1];
var SEV = DATA.severity, CROSS = DATA.crossing, CHORO = DATA.choropleth;
var PHONE = window.matchMedia && window.matchMedia("(max-width: 600px)").matches;
// a touch screen has no hover: a tap opens the popup only, not a tooltip beside it as well
var HOVER = !(window.matchMedia && window.matchMedia("(hover: none)").matches);

// ------------------------------------------------------------------------------------------ helpers
function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
  });
}
// el, svgEl: dom.js
function linkify(node, text) {
  var re = /https?:\/\/[^\s()<>"']+/g, last = 0, m;
  text = String(text);
  while ((m = re.exec(text)) !== null) {
    node.appendChild(document.createTextNode(text.slice(last, m.index)));
    var a = el("a", null, m[0]);
    a.setAttribute("href", m[0]); a.setAttribute("target", "_blank"); a.setAttribute("rel", "noopener noreferrer");
    node.appendChild(a); last = m.index + m[0].length;
  }
  node.appendChild(document.createTextNode(text.slice(last)));
}
function point(lp) { return L.latLng(lp[1] / SY, lp[0] / SX); }

// ------------------------------------------------------------------------------------------ geometry
var ARCS = arcPoints(DATA.arcs || unpackArcs(window.caArcBytes), SX, SY);  // arcs.js
function decodeRing(refs) { return ringOfArcs(ARCS, refs); }
function decode(parts) { return parts.map(function (rings) { return rings.map(decodeRing); }); }
function eachArc(features, fn) {
  (features || []).forEach(function (f) {
    f.forEach(function (poly) { poly.forEach(function (ring) { ring.forEach(function (r) { fn(r < 0 ? ~r : r); }); }); });
  });
}
// the coast: arcs the land (base) uses once, that is edges with no neighbour
var COAST = {};
(function () {
  var base = DATA.layers.filter(function (l) { return l.kind === "base"; })[0], uses = {};
  if (!base) { return; }
  eachArc(DATA.geometry[base.geometry], function (a) { uses[a] = (uses[a] || 0) + 1; });
  Object.keys(uses).forEach(function (a) { if (uses[a] === 1) { COAST[a] = true; } });
})();
function outline(geometryKey) {
  var seen = {}, lines = [];
  eachArc(DATA.geometry[geometryKey], function (a) {
    if (!seen[a] && !COAST[a]) { seen[a] = true; lines.push(ARCS[a]); }
  });
  return lines;
}

// ------------------------------------------------------------------------------------------ map
var map = L.map("map", {zoomSnap: 0.25, zoomControl: false, preferCanvas: false});
map.attributionControl.setPrefix("Leaflet");
map.fitBounds(DATA.bounds);
var renderer = L.svg({padding: 0.5}).addTo(map);
(function patterns() {
  var svg = renderer._container, defs = svgEl("defs");
  Object.keys(SEV).forEach(function (k) {
    var cue = SEV[k].pattern;
    if (!cue) { return; }
    var p = svgEl("pattern", {id: "ca-p-" + k, patternUnits: "userSpaceOnUse", width: 8, height: 8,
      patternTransform: "rotate(45)"});
    // stripes on a clear ground: between them the choropleth keeps its legend colour (no blend matching no swatch)
    p.appendChild(svgEl("rect", {width: 2.5, height: 8, fill: SEV[k].colour}));
    if (cue === "cross") { p.appendChild(svgEl("rect", {width: 8, height: 2.5, fill: SEV[k].colour})); }
    defs.appendChild(p);
  });
  // a crossing part: dark lines on a clear ground, so the choropleth under it keeps its legend colour
  var x = svgEl("pattern", {id: "ca-p-x", patternUnits: "userSpaceOnUse", width: 7, height: 7,
    patternTransform: "rotate(-45)"});
  x.appendChild(svgEl("rect", {width: 2.2, height: 7, fill: CROSS.colour}));
  defs.appendChild(x);
  svg.insertBefore(defs, svg.firstChild);
})();
if (DATA.tiles) {
  L.tileLayer(DATA.tiles.url, {attribution: escapeHtml(DATA.tiles.attribution), maxZoom: 18}).addTo(map);
}

var LAYERS = DATA.layers.filter(function (l) { return l.kind === "fill" || l.kind === "line"; });
var FINDINGS = DATA.layers.filter(function (l) { return l.kind === "findings"; })[0] || null;
var NAMES = DATA.layers.filter(function (l) { return l.kind === "names"; })[0] || null;
var groups = {}, counts = {}, entries = [];
// the figure the filled layer is coloured by (a key of its classes): the page's, then the legend's or a
// link's choice; a layer without that figure is coloured by its first (residents)
var colourKey = DATA.colour_by || null;
var LAND = "#eef0f2", FILL_OPACITY = 0.62, NO_FIGURE = "#ffffff", NO_FIGURE_OPACITY = 0.3;

function subject() {  // the topmost layer shown that may be filled
  for (var i = LAYERS.length - 1; i >= 0; i--) {
    if (LAYERS[i].kind === "fill" && map.hasLayer(groups[LAYERS[i].id])) { return LAYERS[i]; }
  }
  return null;
}
function classesOf(layer) {
  var cs = layer.classes || [];
  return cs.filter(function (x) { return x.key === colourKey; })[0] || cs[0] || null;
}
function offersFigure(key) {
  return LAYERS.some(function (l) { return (l.classes || []).some(function (c) { return c.key === key; }); });
}
function tint(hex, opacity) {  // a class's colour as the map shows it: at the fill's opacity over the land
  var out = "#", a = opacity === undefined ? FILL_OPACITY : opacity;
  for (var i = 1; i < 7; i += 2) {
    var v = Math.round(a * parseInt(hex.substr(i, 2), 16) + (1 - a) * parseInt(LAND.substr(i, 2), 16));
    out += (v < 16 ? "0" : "") + v.toString(16);
  }
  return out;
}
function featureStyle(layer, f, i, filled) {
  var s = {renderer: renderer, stroke: false, fill: true, fillOpacity: 0, interactive: true};
  if (layer.status && layer.status.length) {  // status is drawn as each feature's own dashed outline
    s.stroke = true; s.color = layer.style.color; s.weight = layer.style.weight;
    s.dashArray = (f.s && layer.dash[f.s]) || layer.style.dash || null;
  }
  if (filled) {
    var c = classesOf(layer), k = c ? c.k[i] : -1;
    s.fillColor = k >= 0 ? (c.palette || CHORO)[k] : NO_FIGURE; s.fillOpacity = k >= 0 ? FILL_OPACITY : NO_FIGURE_OPACITY;
  }
  return s;
}
function findingStyle(f) {
  if (f.x) { return {renderer: renderer, color: CROSS.colour, weight: 2.5, fillColor: "url(#ca-p-x)", fillOpacity: 1}; }
  var sev = SEV[f.sev] || SEV.info;
  if (f.r) {  // a whole feature (its size, its straddle): outlined, so its fill stays the legend's colour
    return {renderer: renderer, color: sev.colour, weight: f.sev === "info" ? 1.5 : 3.5, dashArray: sev.dash || null,
      fill: true, fillOpacity: 0};
  }
  // a part: hatched in its severity's colour (context only outlined), the choropleth seen between the lines
  return {renderer: renderer, color: sev.colour, weight: 2, dashArray: sev.dash || null,
    fillColor: sev.pattern ? "url(#ca-p-" + f.sev + ")" : sev.colour, fillOpacity: sev.pattern ? 1 : 0};
}
// how a layer's polygons are styled: filled by a figure (the topmost layer shown) or not; restyle() restyles
// only the layers whose look changed (turning a layer on under the filled one restyles none)
function looks(layer, filled) { return filled ? "fill " + colourKey : "line"; }
function restyle() {
  var top = subject();
  LAYERS.forEach(function (layer) {
    if (!layer.polys || layer.look === looks(layer, layer === top)) { return; }
    layer.look = looks(layer, layer === top);
    layer.polys.forEach(function (poly, i) { poly.setStyle(featureStyle(layer, layer.features[i], i, layer === top)); });
  });
}

// the land and its coast: drawn just after the first paint, under the layers (the filled layer hides the
// land anyway, and its own edges already show the coast)
function addLand() { DATA.layers.forEach(function (layer) {
  if (layer.kind !== "base") { return; }
  var g = L.featureGroup();
  (DATA.geometry[layer.geometry] || []).forEach(function (geom) {
    g.addLayer(L.polygon(decode(geom), {renderer: renderer, stroke: false, fillColor: LAND, fillOpacity: 1,
      interactive: false}));
  });
  var coast = Object.keys(COAST).map(function (a) { return ARCS[a]; });
  g.addLayer(L.polyline(coast, {renderer: renderer, color: DATA.coast.color, weight: DATA.coast.weight,
    interactive: false}));
  g.addTo(map); g.bringToBack();
  groups.base = g;
}); }

function bindFeature(layer, f, poly, over, out) {
  if (HOVER) { poly.bindTooltip(function () { return tooltipEl(layer, f); }, {sticky: true}); }
  poly.bindPopup(function () { return popupEl(layer, f); }, popupOptions());
  poly.on("mouseover", over); poly.on("mouseout", out);
}
function popupOptions() {  // panned by clearOfControls, not by Leaflet: caPad is the margin left, top, right, bottom
  // on a phone narrow enough to fit between the buttons on the left (caPad) and the screen's right edge
  return {maxWidth: Math.min(380, window.innerWidth - (PHONE ? 100 : 70)),
    maxHeight: Math.round(window.innerHeight * (PHONE ? 0.5 : 0.6)),
    autoPan: false, caClear: true, caPad: PHONE ? [56, 124, 8, 96] : [12, 12, 12, 12]};
}
function overlaps(a, b) { return a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top; }
// An open popup is moved (the map panned under it) onto the screen and, where there is room, clear of every
// control: Leaflet's own autoPan knows only the screen's edges, so the layers list or the title could cover it.
function clearOfControls(ev) {
  var popup = ev.popup, box = popup.getElement();
  if (!popup.options.caClear || !box) { return; }
  var m = map.getContainer().getBoundingClientRect(), pad = popup.options.caPad, r = box.getBoundingClientRect();
  var controls = Array.prototype.map.call(map.getContainer().querySelectorAll(".leaflet-control"), function (e) {
    return e.getBoundingClientRect(); }).filter(function (c) { return c.width && c.height; });
  function moved(d) { return {left: r.left + d[0], right: r.right + d[0], top: r.top + d[1], bottom: r.bottom + d[1]}; }
  function fits(q) {
    return q.left >= m.left + pad[0] - 0.5 && q.top >= m.top + pad[1] - 0.5 && q.right <= m.right - pad[2] + 0.5 &&
      q.bottom <= m.bottom - pad[3] + 0.5 && controls.every(function (c) { return !overlaps(c, q); });
  }
  var onto = [Math.max(0, m.left + pad[0] - r.left) || Math.min(0, m.right - pad[2] - r.right),
    Math.max(0, m.top + pad[1] - r.top) || Math.min(0, m.bottom - pad[3] - r.bottom)], best = onto;
  var at = moved(onto);
  if (!fits(at)) {  // the smallest further move left of, right of, below or above a control in the way
    var tries = [];
    controls.forEach(function (c) {
      if (overlaps(c, at)) {
        tries.push([c.left - 8 - at.right, 0], [c.right + 8 - at.left, 0], [0, c.bottom + 8 - at.top], [0, c.top - 8 - at.bottom]);
      }
    });
    tries = tries.map(function (d) { return [onto[0] + d[0], onto[1] + d[1]]; })
      .filter(function (d) { return fits(moved(d)); })
      .sort(function (a, b) { return Math.abs(a[0]) + Math.abs(a[1]) - Math.abs(b[0]) - Math.abs(b[1]); });
    if (tries.length) { best = tries[0]; }
  }
  if (best[0] || best[1]) { map.panBy([-best[0], -best[1]], {animate: false}); }
}
function untab() {  // shapes stay out of the tab order: the list view serves keyboard users
  var n = document.querySelectorAll(".leaflet-pane path, .leaflet-pane [tabindex]");
  for (var i = 0; i < n.length; i++) { n[i].setAttribute("tabindex", "-1"); }
}

var FIRST = (function () {  // the layer filled when the page opens: the topmost shown
  var shown = LAYERS.filter(function (l) { return l.show && l.kind === "fill"; });
  return shown.length ? shown[shown.length - 1] : null;
})();
// the shapes of the layers shown when the page opens are made at once, their outlines a frame later, in
// later(): the first draw waits only for the features. A hidden layer's shapes and outline are made in idle
// time once the page is ready (prebuild), so turning it on only adds them to the map; one turned on (or found
// by a search) before then gets the rest at once. The search entries are every layer's names, in declared order.
LAYERS.forEach(function (layer) {
  var group = groups[layer.id] = L.featureGroup();
  counts[layer.id] = layer.features.length;
  layer.features.forEach(function (f, i) {
    entries.push({name: String(f.name), lower: caNorm(f.name), layer: layer, group: group, i: i,
      code: layer.codes[i], f: f});
  });
});
/*take{*/
var TOWNS = [];  // the major towns, named when zoomed out (maptake.js fills it)
/*}take*/
function buildLayer(layer, until) {  // the layer's polygons (made once), in the order of its features: all, or
  // (prebuild) the first `until`
  var n = layer.features.length, stop = until === undefined ? n : Math.min(until, n);
  if (!layer.polys) {
    layer.dash = {}; layer.polys = [];
    (layer.status || []).forEach(function (st) { layer.dash[st.label] = st.dash; });
  }
  if (layer.polys.length >= stop) { return layer.polys; }
  var geoms = DATA.geometry[layer.geometry] || [], group = groups[layer.id];
  var filled = layer === (map.hasLayer(group) ? subject() : FIRST);  // FIRST: before the layers join the map
  var look = looks(layer, filled);
  layer.look = layer.polys.length && layer.look !== look ? null : look;  // made in two looks: restyle all
  for (var i = layer.polys.length; i < stop; i++) { makePoly(layer, i, geoms[i], filled, group); }
  return layer.polys;
}
function makePoly(layer, i, geom, filled, group) {
  var f = layer.features[i], poly = L.polygon(decode(geom), featureStyle(layer, f, i, filled));
  poly.caFeature = i;
  bindFeature(layer, f, poly, function () {
    poly.setStyle({stroke: true, weight: layer.style.weight + 2, color: layer.style.color, dashArray: null});
  }, function () { poly.setStyle(featureStyle(layer, f, i, layer === subject())); });
  group.addLayer(poly); layer.polys.push(poly);
}
function polyOf(entry) { return buildLayer(entry.layer)[entry.i]; }
function addOutline(layer) {  // the layer's edges as one line, each shared edge once (not the coast), after its polygons
  if (layer.outlined || (layer.status && layer.status.length)) { return; }
  layer.outlined = true;
  groups[layer.id].addLayer(L.polyline(outline(layer.geometry), {renderer: renderer, color: layer.style.color,
    weight: layer.style.weight, dashArray: layer.style.dash || null, interactive: false, lineCap: "butt"}));
}
// hidden layers' polygons and outlines, made a few at a time while the browser is idle (in declared order)
var idle = window.requestIdleCallback || function (fn) {
  return setTimeout(function () {
    var end = Date.now() + 10;
    fn({timeRemaining: function () { return Math.max(0, end - Date.now()); }});
  }, 30);
};
function prebuild(deadline) {
  for (var n = 0; n < LAYERS.length; n++) {
    var layer = LAYERS[n];
    while (!layer.polys || layer.polys.length < layer.features.length || !layer.outlined) {
      if (deadline.timeRemaining() < 3) { idle(prebuild); return; }
      if (!layer.polys || layer.polys.length < layer.features.length) {
        buildLayer(layer, (layer.polys ? layer.polys.length : 0) + 12);
      } else { addOutline(layer); layer.outlined = true; }
    }
  }
}
function drawShown() {  // every shown layer's polygons and outline (a layer just turned on gets them now)
  LAYERS.forEach(function (layer) {
    if (map.hasLayer(groups[layer.id])) { buildLayer(layer); addOutline(layer); }
  });
}
LAYERS.forEach(function (layer) {  // the shown layers' shapes now, their outlines with the rest in later()
  if (layer.show) { buildLayer(layer); }
});
// a check's finding: its sentence and flagged subject features, each named on the map (its name, its short
// form, or a numbered marker keyed in the list beside the map); a size check's list is its chosen threshold's
var FINDING = DATA.finding || null, threshold = 0;
function flaggedKey() {
  if (!FINDING) { return []; }
  return FINDING.thresholds ? FINDING.thresholds[threshold].key : FINDING.key;
}
if (FINDINGS) {
  var fg = L.featureGroup();
  FINDINGS.features.forEach(function (f) {
    var g = f.r ? DATA.geometry[f.r[0]][f.r[1]] : DATA.geometry.findings[f.gi];
    var st = findingStyle(f), poly = L.polygon(decode(g), st);
    bindFeature(FINDINGS, f, poly, function () { poly.setStyle({weight: st.weight + 2}); },
      function () { poly.setStyle({weight: st.weight}); });
    poly.caFinding = f; fg.addLayer(poly);
  });
  groups.findings = fg; counts.findings = FINDINGS.features.length;
}
function showThreshold(n) {  // a size check draws the findings of the chosen threshold only
  threshold = n;
  if (!FINDINGS || !FINDING || !FINDING.thresholds) { return; }
  var id = FINDING.thresholds[n].id;
  groups.findings.eachLayer(function (poly) {
    var p = poly.caFinding && poly.caFinding.p;
    poly.setStyle(p && p.against_code !== id ? {opacity: 0, fillOpacity: 0, interactive: false} : findingStyle(poly.caFinding));
    if (poly._path) { poly._path.style.display = p && p.against_code !== id ? "none" : ""; }
  });
}
function reorder(added) {  // keep the declared order bottom to top, findings on top; a layer just added is on
  // top already, so only those declared above it move
  var from = added ? LAYERS.map(function (l) { return groups[l.id]; }).indexOf(added) + 1 : 0;
  LAYERS.forEach(function (l, n) { if (n >= from && map.hasLayer(groups[l.id])) { groups[l.id].bringToFront(); } });
  if (FINDINGS && map.hasLayer(groups.findings)) { groups.findings.bringToFront(); }
}

// ------------------------------------------------------------------------------------------ labels
var labelGroup = L.layerGroup().addTo(map), measure = document.createElement("canvas").getContext("2d");
function textWidth(text, font) { measure.font = font; return measure.measureText(text).width; }
function metresPerPixel(lat) { return 40075016.686 * Math.cos(lat * Math.PI / 180) / Math.pow(2, map.getZoom() + 8); }
function labelCandidates() {
  var out = [], top = subject(), key = flaggedKey(), flagLayer = FINDING && LAYERS.filter(function (l) {
    return l.id === FINDING.layer; })[0], isFlagged = {};
  if (FINDINGS && map.hasLayer(groups.findings)) {  // the shares outside their home: short, and the finding
    FINDINGS.features.forEach(function (f) {
      if (f.x && f.lp) { out.push({t: f.share, lp: f.lp, r: f.lr, cls: "ca-share", loose: f.sev !== "info"}); }
    });
  }
  if (flagLayer && map.hasLayer(groups[flagLayer.id])) {  // then flagged features: each a name or a number
    key.forEach(function (item, n) {
      var f = flagLayer.features[item[0]]; isFlagged[item[0]] = true;
      if (f && f.lp) { out.push({t: f.t, ts: f.ts, lp: f.lp, r: f.lr, cls: "ca-name ca-flag", n: n + 1, name: f.name}); }
    });
  }
  if (top) {  // each its own colour (an advice's groups): where neither its name nor its short form fits
    // inside its patch, the short form may reach beyond it (its colour says which patch it names)
    var own = (classesOf(top) || {}).key === "distinct";
    top.features.map(function (f, i) { return {f: f, i: i}; }).filter(function (x) {
      return !(top === flagLayer && isFlagged[x.i]); }).sort(function (a, b) { return b.f.lr - a.f.lr; })
      .forEach(function (x) {
        out.push({t: x.f.t, ts: own ? x.f.ts : null, lp: x.f.lp, r: x.f.lr, cls: "ca-name", spill: own});
      });
  }
  if (NAMES && map.getZoom() >= 9) {  // the districts of the era shown, never those of another
    var set = namesSet();
    NAMES.features.forEach(function (f) {
      if (!f.v || f.v.indexOf(set) >= 0) { out.push({t: f.t, lp: f.lp, r: null, cls: "ca-ref"}); }
    });
  }
/*take{*/
  if (selected && selected.place) {  // a town or place found by the search is named in its box
    out.unshift({t: selected.name, lp: [selected.place.x * SX, selected.place.y * SY], r: null, cls: "ca-name ca-flag"});
  }
  if (map.getZoom() < 9) {  // zoomed out, the major towns give the reader their bearings: England whole, only
    // those of 20 neighbourhoods or more (the 34 largest), from zoom 8 every one, largest first
    var least = map.getZoom() < 8 ? 20 : 0;
    TOWNS.forEach(function (t) { if (t.n >= least) { out.push({t: t.name, lp: [t.x * SX, t.y * SY], r: null, cls: "ca-town"}); } });
  }
/*}take*/
  return out;
}
// the vintage of the reference names: that of the topmost filled layer shown, else of the topmost layer shown
function namesSet() {
  var of = (NAMES && NAMES.of) || {}, top = subject();
  if (top && of[top.id] !== undefined) { return of[top.id]; }
  for (var i = LAYERS.length - 1; i >= 0; i--) {
    if (of[LAYERS[i].id] !== undefined && map.hasLayer(groups[LAYERS[i].id])) { return of[LAYERS[i].id]; }
  }
  return 0;
}
var FONTS = {"ca-share": "700 13px system-ui,Arial,sans-serif", "ca-name": "600 12px system-ui,Arial,sans-serif",
  "ca-ref": "italic 11px system-ui,Arial,sans-serif"};
FONTS["ca-name ca-flag"] = "700 12px system-ui,Arial,sans-serif";
/*take{*/
FONTS["ca-town"] = "400 11px system-ui,Arial,sans-serif";
/*}take*/
var numbered = [];  // the flagged features shown by a number (the key list names them)
var placedFor = null;
function updateLabels() {
  labelGroup.clearLayers(); numbered = []; placedFor = labelsFor();
  var view = map.getBounds().pad(0.05), size = map.getSize(), placed = [], shown = 0;
  function free(box) {
    for (var i = 0; i < placed.length; i++) {
      var q = placed[i];
      if (box[0] < q[2] + 2 && box[2] + 2 > q[0] && box[1] < q[3] && box[3] > q[1]) { return false; }
    }
    return box[2] >= 0 && box[3] >= 0 && box[0] <= size.x && box[1] <= size.y;
  }
  function add(ll, text, cls, w, h, extra) {
    var lines = String(text).split("\n"), d = el("div", "ca-label " + cls);
    lines.forEach(function (s, n) { if (n) { d.appendChild(el("br")); } d.appendChild(document.createTextNode(s)); });
    d.setAttribute("aria-hidden", "true"); d.setAttribute("data-text", extra || String(text).replace(/\n/g, " "));
    labelGroup.addLayer(L.marker(ll, {icon: L.divIcon({className: "ca-label-icon", html: d, iconSize: [w, h]}),
      interactive: false, keyboard: false}));
    shown++;
    return d;
  }
  function fits(c, text, ll) {  // the box of a text at its point, or null where it does not fit
    var lines = String(text).split("\n"), w = 0;
    lines.forEach(function (s) { w = Math.max(w, textWidth(s, FONTS[c.cls])); });
    w += 6; var h = lines.length * 14 + 2;
    if (c.r !== null && !c.loose && !c.n) {  // a flagged name may reach beyond its feature
      var r = c.r / metresPerPixel(ll.lat);
      var fit = c.wide || (c.cls === "ca-share" ? 3 : 2.3);  // a share is short and matters: it may reach a little further
      if (w > fit * r || h > 1.9 * r) { return null; }
    }
    var p = map.latLngToContainerPoint(ll), box = [p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2];
    return free(box) ? {box: box, w: w, h: h} : null;
  }
  labelCandidates().forEach(function (c) {
    var ll = point(c.lp);
    if (!view.contains(ll)) { return; }
    var texts = c.ts ? [c.t, c.ts] : [c.t];
    for (var k = 0; k < texts.length; k++) {
      var at = fits(c, texts[k], ll);
      if (at) { placed.push(at.box); add(ll, texts[k], c.cls, at.w, at.h, c.n ? c.name : null); return; }
    }
    if (c.spill) {  // the shortest form, beyond its feature (not as far on a phone, whose map would vanish under names)
      var last = texts[texts.length - 1], loose = fits({cls: c.cls, r: c.r, wide: PHONE ? 4.6 : 7}, last, ll);
      if (loose) { placed.push(loose.box); add(ll, last, c.cls, loose.w, loose.h, null); return; }
    }
    if (!c.n) { return; }
    // a flagged feature whose name does not fit: its number, keyed in the list beside the map, on its point or
    // (a name placed before may cover it) the nearest free place around it
    var p = map.latLngToContainerPoint(ll), box = null;
    [[0, 0], [0, -16], [0, 16], [-18, 0], [18, 0], [-14, -14], [14, -14], [-14, 14], [14, 14], [0, -26], [0, 26]]
      .some(function (d) { var q = [p.x + d[0] - 10, p.y + d[1] - 10, p.x + d[0] + 10, p.y + d[1] + 10];
        return free(q) && (box = q); });
    box = box || [p.x - 10, p.y - 10, p.x + 10, p.y + 10];
    placed.push(box); numbered.push(c.n);
    add(map.containerPointToLatLng([box[0] + 10, box[1] + 10]), String(c.n), "ca-num-mark", 20, 20, c.n + ": " + c.name);
  });
  fillKey();
  return shown;
}
// the keyed list beside the map: every flagged feature, numbered, with its fact; those the map shows by
// their number are marked so
var keyBox = null;
function fillKey() {
  if (!keyBox || !FINDING) { return; }
  keyBox.textContent = "";
  var key = flaggedKey(), flagLayer = LAYERS.filter(function (l) { return l.id === FINDING.layer; })[0];
  if (!key.length || !flagLayer) { keyBox.hidden = true; return; }
  keyBox.hidden = false;
  var ol = el("ol", "ca-key-list");
  key.forEach(function (item, n) {
    var f = flagLayer.features[item[0]], li = el("li");
    li.setAttribute("value", n + 1);
    var num = el("span", "ca-key-n" + (numbered.indexOf(n + 1) >= 0 ? " ca-key-on" : ""), String(n + 1));
    num.setAttribute("aria-hidden", "true");
    li.appendChild(num); li.appendChild(el("span", "ca-key-name", String(f.t).replace(/\n/g, " ")));
    if (item[1]) { li.appendChild(el("span", "ca-key-fact", " \u2013 " + item[1])); }
    ol.appendChild(li);
  });
  keyBox.appendChild(ol);
}

// ------------------------------------------------------------------------------------------ popups
function tooltipEl(layer, f) {
  var d = el("div", "ca-tt");
  d.appendChild(el("b", null, f.name));
  if (layer.kind === "findings") { d.appendChild(el("div", null, f.sentence)); }
  else if (f.rows && f.rows.length) {
    var c = layer === subject() ? classesOf(layer) : null;
    f.rows.forEach(function (row, n) {  // residents, and the figure the map is coloured by
      if (n === 0 || (c && row[0] === c.row)) { d.appendChild(el("div", null, row[0] + ": " + row[1])); }
    });
  }
  return d;
}
function popupEl(layer, f) {
  var d = el("div", "ca-popup");
  d.appendChild(el("h2", null, f.name));
  d.appendChild(el("div", "ca-sub", layer.kind === "findings" ? "Finding of this check" : layer.title));
  if (f.sentence) { d.appendChild(el("p", "ca-sentence", f.sentence)); }
  var t = el("table");
  (f.rows || []).forEach(function (row) {
    var tr = el("tr"); tr.appendChild(el("th", null, row[0]));
    var td = el("td", /^[-+\d.,%\u00a0 ]+$/.test(row[1]) ? "ca-fig" : null);  // a figure is never broken
    linkify(td, row[1]); tr.appendChild(td); t.appendChild(tr);
  });
  d.appendChild(t);
  if (layer.source) { var s = el("p", "ca-source"); linkify(s, "Source: " + layer.source); d.appendChild(s); }
  return d;
}

// ------------------------------------------------------------------------------------------ controls
function box(cls, label) {
  var d = el("div", "ca-box " + cls);
  if (label) { d.setAttribute("role", "region"); d.setAttribute("aria-label", label); }
  L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
  return d;
}
function collapsible(d, title, open) {  // a control whose body hides behind a button on a phone
  var det = el("details", "ca-fold"), sum = el("summary", null, title);
  det.appendChild(sum); if (open) { det.open = true; }
  d.appendChild(det);
  return det;
}

// search (first in the tab order, after the skip link and the map): search.js
function matches(q) {  // what is shown first, then towns and places, then hidden layers
  return caMatches(entries, q, function (e) { return e.place ? 0.25 : map.hasLayer(e.group) ? 0 : 0.5; });
}
var highlight = null, selected = null;
function select(entry, open, keepView) {
  if (entry.place) { return entry.select(open, keepView); }  // a town or place (maptake.js)
  if (!map.hasLayer(entry.group)) { entry.group.addTo(map); changed(); }
  if (highlight) { map.removeLayer(highlight); }
  var poly = polyOf(entry);
  highlight = L.polygon(poly.getLatLngs(), {renderer: renderer, color: "#000000", weight: 4, fill: false,
    interactive: false, className: "ca-highlight"}).addTo(map);
  selected = entry;
  if (!keepView) { map.fitBounds(poly.getBounds(), {maxZoom: 11, animate: false}); }
  // a shared link's popup too is moved clear of the controls (on a phone they would cover it); where it
  // already is, as on the screen it was copied from, the link's view stays as it was
  if (open !== false) { poly.openPopup(poly.getBounds().getCenter()); }
  writeHash();
  return entry.name;
}
var searchInput;
var Search = L.Control.extend({options: {position: "topleft"}, onAdd: function () {
  var d = box("ca-search", "Search");
  searchInput = caSearchField(collapsible(d, "Search", !PHONE), {id: "ca-search-input", placeholder: "Find a place or organisation",
    label: "Find a place or organisation in any layer", none: "No match in any layer", find: matches, pick: select,
    what: function (e) { return e.place ? e.note : e.layer.title; }});
  return d; }});
new Search().addTo(map);
L.control.zoom({position: "topleft"}).addTo(map);

// full screen
var Full = L.Control.extend({options: {position: "topleft"}, onAdd: function () {
  var wrap = el("div", "leaflet-bar"), b = el("button", "ca-full");
  var icon = svgEl("svg", {viewBox: "0 0 16 16", width: 16, height: 16, "aria-hidden": "true"});
  icon.appendChild(svgEl("path", {d: "M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5", fill: "none", stroke: "#333",
    "stroke-width": 2}));
  b.appendChild(icon);
  b.type = "button"; b.title = "Full screen"; b.setAttribute("aria-label", "Full screen");
  L.DomEvent.disableClickPropagation(wrap);
  b.addEventListener("click", function () {
    var de = document.documentElement;
    if (document.fullscreenElement) { document.exitFullscreen(); return; }
    if (document.body.classList.contains("ca-max")) {
      document.body.classList.remove("ca-max"); map.invalidateSize(); return; }
    var fallback = function () { document.body.classList.add("ca-max"); map.invalidateSize(); };
    if (de.requestFullscreen) {
      try { de.requestFullscreen().then(function () { map.invalidateSize(); }, fallback); } catch (ignored) { fallback(); }
    } else { fallback(); }
  });
  wrap.appendChild(b); return wrap; }});
new Full().addTo(map);

// list view: the visible layer as a sortable table (serves keyboard and screen-reader users)
var listBox = null, listSort = {key: "name", dir: 1};
function fillList() {
  if (!listBox) { return; }
  listBox.textContent = "";
  var layer = subject();
  var head = el("div", "ca-list-head");
  head.appendChild(el("h2", null, layer ? layer.title : "No layer shown"));
  var close = el("button", "ca-close", "Close"); close.type = "button";
  close.addEventListener("click", function () { toggleList(false); });
  head.appendChild(close); listBox.appendChild(head);
  if (!layer) { return; }
  var cols = [["name", "Name"], ["pop", "Residents"]];
  if (layer.findings) { cols.push(["nf", "Findings"]); }
  // residents: the popup's first line where it is theirs (the page carries each figure once)
  var residents = function (f) { return f.rows && f.rows.length && f.rows[0][0].indexOf("Residents") === 0 ? f.rows[0][1] : ""; };
  var rows = layer.features.map(function (f, i) { return {f: f, i: i}; });
  rows.sort(function (a, b) {
    var x = a.f[listSort.key], y = b.f[listSort.key];
    if (listSort.key === "pop") { x = Number(residents(a.f).replace(/,/g, "")); y = Number(residents(b.f).replace(/,/g, "")); }
    if (x === undefined || x === null) { x = listSort.key === "name" ? "" : -1; }
    if (y === undefined || y === null) { y = listSort.key === "name" ? "" : -1; }
    return (x < y ? -1 : x > y ? 1 : 0) * listSort.dir;
  });
  var t = el("table"), thead = el("thead"), tr = el("tr"), tb = el("tbody");
  cols.forEach(function (c) {
    var th = el("th"), b = el("button", null, c[1]); b.type = "button";
    th.setAttribute("aria-sort", listSort.key === c[0] ? (listSort.dir > 0 ? "ascending" : "descending") : "none");
    b.addEventListener("click", function () {
      listSort = {key: c[0], dir: listSort.key === c[0] ? -listSort.dir : (c[0] === "name" ? 1 : -1)};
      fillList(); listBox.querySelector("th[aria-sort]:not([aria-sort=none]) button").focus();
    });
    th.appendChild(b); tr.appendChild(th);
  });
  thead.appendChild(tr); t.appendChild(thead);
  rows.forEach(function (r) {
    var row = el("tr"), td = el("td"), b = el("button", "ca-link", r.f.name); b.type = "button";
    b.addEventListener("click", function () {
      var e = entries.filter(function (x) { return x.layer === layer && x.f === r.f; })[0];
      if (e) { select(e); }
    });
    td.appendChild(b); row.appendChild(td);
    row.appendChild(el("td", "ca-num", residents(r.f)));
    if (layer.findings) { row.appendChild(el("td", "ca-num", r.f.nf)); }
    tb.appendChild(row);
  });
  t.appendChild(tb); listBox.appendChild(t);
}
function toggleList(on) {
  listBox.hidden = !on;
  if (on) { fillList(); listBox.querySelector("button").focus(); }
}
var List = L.Control.extend({options: {position: "topleft"}, onAdd: function () {
  var wrap = el("div", "leaflet-bar"), b = el("button", "ca-listbtn", "List");
  b.type = "button"; b.title = "The shown layer as a table"; b.setAttribute("aria-label", "List the shown layer as a table");
  L.DomEvent.disableClickPropagation(wrap);
  b.addEventListener("click", function () { toggleList(listBox.hidden); });
  wrap.appendChild(b); return wrap; }});
new List().addTo(map);
listBox = box("ca-list", "List of the shown layer");
listBox.hidden = true;
document.body.appendChild(listBox);

// title: the page's heading, what-if badge, link back to the index; a check's sentence, its threshold
// chooser and the keyed list of what it flags
var Title = L.Control.extend({options: {position: "topright"}, onAdd: function () {
  var d = box("ca-title-box"), h = el("h1", "ca-title", DATA.title);
  d.appendChild(h);
  if (DATA.whatif) { d.appendChild(el("div", "ca-whatif", "What-if: a proposal of your own, not a real boundary")); }
  if (FINDING) {
    var said = el("p", "ca-finding", FINDING.sentence);
    if (PHONE) {  // three lines on a phone; a tap shows the rest
      said.setAttribute("role", "button"); said.setAttribute("tabindex", "0"); said.setAttribute("aria-expanded", "false");
      var more = function () { var open = said.classList.toggle("ca-open"); said.setAttribute("aria-expanded", String(open)); };
      said.addEventListener("click", more);
      said.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); more(); } });
    }
    d.appendChild(said);
    if (FINDING.thresholds && FINDING.thresholds.length > 1) {
      var lab = el("label", "ca-by", "Flag the features "), sel = el("select");
      FINDING.thresholds.forEach(function (t, n) {
        var o = el("option", null, t.label + " (" + t.key.length + ")"); o.value = String(n); sel.appendChild(o);
      });
      sel.addEventListener("change", function () { showThreshold(Number(sel.value)); changed(); });
      lab.appendChild(sel); d.appendChild(lab);
    }
    var fold = el("details", "ca-fold ca-key-fold"), key = flaggedKey();
    fold.appendChild(el("summary", null, "Flagged, numbered as on the map (" + key.length + ")"));
    fold.open = !PHONE;  // on a phone the sentence stays, the list folds
    keyBox = el("div", "ca-key"); keyBox.setAttribute("role", "region");
    keyBox.setAttribute("aria-label", "Flagged features, numbered as on the map");
    fold.appendChild(keyBox); if (key.length) { d.appendChild(fold); }
  }
  if (DATA.index) { var a = el("a", "ca-index", "All maps"); a.setAttribute("href", DATA.index); d.appendChild(a); }
  return d; }});
new Title().addTo(map);

// layers
var overlays = {};
LAYERS.forEach(function (l) {
  if (l.control) { overlays[escapeHtml(l.title) + " <small>(" + l.features.length + ")</small>"] = groups[l.id]; }
});
if (FINDINGS) { overlays[escapeHtml(FINDINGS.title) + " <small>(" + FINDINGS.drawn + ")</small>"] = groups.findings; }
// the layers list folds where the screen is short (a laptop), so the controls leave the map its east
// (and on a check's page, whose title box carries the finding)
L.control.layers(null, overlays, {collapsed: PHONE || window.innerHeight < 820 || !!FINDING,
  position: "topright"}).addTo(map);
L.control.scale({position: "bottomleft"}).addTo(map);
map.attributionControl.addAttribution(escapeHtml(DATA.attribution) +
  " <details class=\"ca-src\"><summary>Layer sources</summary>" +
  DATA.sources.map(escapeHtml).join("<br>") + "</details>");


// legend
function swatch(kind, o) {
  var s = svgEl("svg", {width: 26, height: 14, "aria-hidden": "true", "class": "ca-sw"});
  if (kind === "line") {
    s.appendChild(svgEl("line", {x1: 1, y1: 7, x2: 25, y2: 7, stroke: o.color, "stroke-width": Math.max(1, o.weight),
      "stroke-dasharray": o.dash || "none"}));
  } else {
    s.appendChild(svgEl("rect", {x: 1, y: 1, width: 24, height: 12, fill: o.fill, "fill-opacity": o.opacity || 1,
      stroke: o.color || "#555", "stroke-width": o.weight || 1, "stroke-dasharray": o.dash || "none"}));
  }
  return s;
}
function legendRow(d, sw, text) {
  var r = el("div", "ca-row"); r.appendChild(sw); r.appendChild(el("span", null, text)); d.appendChild(r);
}
function colourBar(d, c) {  // the classes light to dark: one bar of touching blocks, each with its range
  var bar = el("div", "ca-bar");
  bar.setAttribute("role", "list"); bar.setAttribute("aria-label", c.title);
  c.labels.forEach(function (text, k) {
    var sw = el("span", "ca-bar-sw"), label = el("span", "ca-bar-label", text);
    sw.style.backgroundColor = tint(CHORO[k]); sw.setAttribute("aria-hidden", "true");
    label.setAttribute("role", "listitem");
    bar.appendChild(sw); bar.appendChild(label);
  });
  d.appendChild(bar);
  if (c.k.indexOf(-1) >= 0) { legendRow(d, swatch("fill", {fill: tint(NO_FIGURE, NO_FIGURE_OPACITY), color: "#999"}), "No figure"); }
}
function fillLegend(d) {
  d.textContent = "";
  var top = subject();
  if (top) {
    var c = classesOf(top);
    d.appendChild(el("h3", null, top.title));
    if (top.classes && top.classes.length > 1) {
      var lab = el("label", "ca-by", "Colour by"), sel = el("select");
      top.classes.forEach(function (x) {
        var o = el("option", null, x.title); o.value = x.key; if (c && x.key === c.key) { o.selected = true; }
        sel.appendChild(o);
      });
      sel.addEventListener("change", function () {
        colourKey = sel.value; changed();
        var again = d.querySelector(".ca-by select"); if (again) { again.focus(); }
      });
      lab.appendChild(sel); d.appendChild(lab);
      if (c) { d.appendChild(el("div", "ca-bar-title", c.title)).setAttribute("aria-hidden", "true"); }  // on a phone
    } else if (c) { d.appendChild(el("div", "ca-by", c.title)); }
    if (c && c.palette) {  // each feature its own colour: a sample of the colours, no scale
      var sample = el("div", "ca-row");
      c.palette.forEach(function (p) { var b = el("span", "ca-bar-sw"); b.style.backgroundColor = tint(p);
        b.style.display = "inline-block"; b.style.width = "14px"; b.setAttribute("aria-hidden", "true"); sample.appendChild(b); });
      d.appendChild(sample);
    } else if (c) { colourBar(d, c); }
  }
  // the findings next to the colours they lie over, before the boundaries and the names: on a laptop the
  // legend scrolls, and what the page found is seen first
  if (FINDINGS) {
    d.appendChild(el("h3", null, "Findings"));
    (FINDINGS.rows || []).forEach(function (row) {  // one row per kind of finding there is, in words
      var s = SEV[row.sev] || SEV.info, text = row.text, n = row.n;
      if (FINDING && FINDING.thresholds && (row.cls === "below minimum" || row.cls === "above maximum")) {
        if (row.cls === "above maximum") { return; }  // one row: the chosen threshold's
        text = FINDING.thresholds[threshold].label; n = FINDING.thresholds[threshold].key.length;
      } else if (FINDING && FINDING.key && (row.cls === "below minimum" || row.cls === "above maximum")) {
        text = row.cls === "below minimum" ? "under the minimum" : "over the maximum";
      }
      var whole = row.whole && !row.x;
      var sw = row.x ? swatch("fill", {fill: "url(#ca-p-x)", color: CROSS.colour, weight: 2}) :
        whole ? swatch("fill", {fill: "none", color: s.colour, weight: 2.5, dash: s.dash}) :
        swatch("fill", {fill: s.pattern ? "url(#ca-p-" + row.sev + ")" : "none", color: s.colour, weight: 2, dash: s.dash});
      legendRow(d, sw, text + " (" + n + ")" + (row.sev === "info" ? ", for context" : ""));
    });
    var unshaped = FINDINGS.unshaped || [], th = FINDING && FINDING.thresholds && FINDING.thresholds[threshold];
    d.appendChild(el("div", "ca-drawn", (th ? FINDINGS.features.filter(function (f) { return f.p.against_code === th.id;
    }).length : FINDINGS.drawn) + " drawn on the map, " + unshaped.length +
      " listed without a shape"));
    if (unshaped.length) {
      var det = el("details", "ca-unshaped"), ul = el("ul");
      det.appendChild(el("summary", null, "Findings without a shape (" + unshaped.length + ")"));
      unshaped.forEach(function (f) { ul.appendChild(el("li", "ca-sev-" + f.sev, f.name + ": " + f.sentence)); });
      var context = unshaped.filter(function (f) { return f.sev === "info"; }).length;
      if (context) {  // printed: the warnings, and how many more are context
        ul.appendChild(el("li", "ca-print-only", (context < unshaped.length ? "and " : "") + context +
          " for context, listed on screen"));
      }
      det.appendChild(ul); d.appendChild(det);
    }
  }
  // every outline drawn in words, the filled layer's too (its statuses' rows name its dashes); the coast
  // under the boundaries, never under the findings
  var lines = LAYERS.filter(function (l) { return (l !== top || !(l.status || []).length) && map.hasLayer(groups[l.id]); });
  d.appendChild(el("h3", null, "Boundaries"));
  lines.forEach(function (l) { legendRow(d, swatch("line", l.style), l.title); });
  LAYERS.forEach(function (l) {
    if (!map.hasLayer(groups[l.id])) { return; }
    (l.status || []).forEach(function (st) {
      legendRow(d, swatch("line", {color: l.style.color, weight: 2, dash: st.dash}), st.label);
    });
  });
  legendRow(d, swatch("line", DATA.coast), "Coast and tidal water (no neighbour)");
/*take{*/
  if (TOWNS.length) { var rt = el("div", "ca-row"); rt.appendChild(el("span", "ca-ref-sample ca-town", "Town")); rt.appendChild(el("span", null, "Major towns and cities (zoomed out)")); d.appendChild(rt); }
/*}take*/
  if (NAMES) { var rn = el("div", "ca-row"); rn.appendChild(el("span", "ca-ref-sample", "Name")); rn.appendChild(el("span", null, (NAMES.sets ? NAMES.sets[namesSet()].title : NAMES.title) + " (closer in)")); d.appendChild(rn); }
}
function fitLegend() {  // the legend fits between the right-hand controls above it and the map's foot
  var legend = document.querySelector(".ca-legend"), above = document.querySelector(".leaflet-top.leaflet-right");
  if (!legend || !above || printView) { return; }
  var m = map.getContainer().getBoundingClientRect(), top = above.getBoundingClientRect().bottom;
  legend.style.maxHeight = Math.max(120, m.bottom - top - 46) + "px";
}
window.addEventListener("resize", fitLegend);
var legendBody;
var Legend = L.Control.extend({options: {position: "bottomright"}, onAdd: function () {
  var d = box("ca-legend"), h = el("h2", "ca-legend-title", "Legend");
  h.id = "ca-legend-title"; d.setAttribute("role", "region"); d.setAttribute("aria-labelledby", "ca-legend-title");
  var det = el("details", "ca-fold"), sum = el("summary");
  sum.appendChild(h); det.appendChild(sum); det.open = !PHONE;
  legendBody = el("div", "ca-legend-body"); det.appendChild(legendBody); d.appendChild(det);
  return d; }});  // filled with the labels, a frame after the features
new Legend().addTo(map);

// "Share and download", towns and places (maptake.js, takeaway.js: the atlas and check pages). Code between
// the take{ and }take comments is left out of a page without them (page.script): the CCG map keeps its budget.
/*take{*/
function mark(entry, shape) {  // the selection and its outline
  if (highlight) { map.removeLayer(highlight); }
  highlight = shape; selected = entry;
}
var TAKE = typeof caMapTakeaway === "function" ? caMapTakeaway({map: map, DATA: DATA, LAYERS: LAYERS, FINDINGS: FINDINGS,
  FINDING: FINDING, groups: groups, entries: entries, towns: TOWNS, select: select, mark: mark,
  renderer: renderer, popupOptions: popupOptions, writeHash: writeHash, stateString: stateString, decode: decode,
  ARCS: ARCS, box: box, subject: subject, flaggedKey: flaggedKey,
  legend: function () { return legendBody; }}) : null;
/*}take*/
// a skip link to the controls, first in the tab order
(function skip() {
  var a = el("a", "ca-skip", "Skip to the map controls"); a.setAttribute("href", "#ca-search-input");
  a.addEventListener("click", function (ev) {
    ev.preventDefault();
    var det = searchInput.parentNode; if (det && det.tagName === "DETAILS") { det.open = true; }
    searchInput.focus();
  });
  document.body.insertBefore(a, document.body.firstChild);
})();

// shown layers join the map after the controls: adding the layers control forces a layout (~30 ms with 211 paths)
LAYERS.forEach(function (layer) { if (layer.show) { groups[layer.id].addTo(map); } });
if (FINDINGS) { groups.findings.addTo(map); }
reorder();

// ------------------------------------------------------------------------------------------ the view in the URL
var applying = false;
function readHash() {
  var out = {};
  String(location.hash || "").replace(/^#/, "").split("&").forEach(function (kv) {
    var i = kv.indexOf("="), k = i > 0 ? safeDecode(kv.slice(0, i)) : null, v = i > 0 ? safeDecode(kv.slice(i + 1)) : null;
    if (k !== null && v !== null) { out[k] = v; }
  });
  return out;
}
// a malformed escape in a hand-edited URL (#era=%) is ignored, never an exception that stops the page
function safeDecode(s) { try { return decodeURIComponent(s); } catch (ignored) { return null; } }
function stateString() {
  var c = map.getCenter(), parts = [];
  parts.push("l=" + LAYERS.filter(function (l) { return map.hasLayer(groups[l.id]); }).map(function (l) { return l.id; })
    .concat(FINDINGS && !map.hasLayer(groups.findings) ? ["-findings"] : []).join(","));
  parts.push("z=" + Math.round(map.getZoom() * 100) / 100);
  parts.push("c=" + c.lat.toFixed(4) + "," + c.lng.toFixed(4));
  if (selected) { parts.push(selected.place ? "p=" + encodeURIComponent(selected.code) :
    "f=" + encodeURIComponent(selected.layer.id + ":" + selected.code)); }
  if (colourKey && colourKey !== (DATA.colour_by || null)) { parts.push("ch=" + encodeURIComponent(colourKey)); }
  var era = readHash().era; if (era) { parts.push("era=" + encodeURIComponent(era)); }
  return parts.join("&");
}
function writeHash() {
  if (applying || printView) { return; }  // a printed page's fitted view is not the reader's
  var s = "#" + stateString();
  if (s !== location.hash) { try { history.replaceState(null, "", s); } catch (ignored) { location.hash = s; } }
}
function applyHash() {
  var h = readHash();
  if (!h.l && !h.z && !h.f && !h.ch && !h.p) { return; }
  applying = true;
  colourKey = h.ch !== undefined && offersFigure(h.ch) ? h.ch : DATA.colour_by || null;
  if (h.l !== undefined) {
    var want = h.l.split(",");
    LAYERS.forEach(function (l) {
      var on = want.indexOf(l.id) >= 0;
      if (on && !map.hasLayer(groups[l.id])) { groups[l.id].addTo(map); }
      if (!on && map.hasLayer(groups[l.id])) { map.removeLayer(groups[l.id]); }
    });
    if (FINDINGS) {
      var off = want.indexOf("-findings") >= 0;
      if (off && map.hasLayer(groups.findings)) { map.removeLayer(groups.findings); }
      if (!off && !map.hasLayer(groups.findings)) { groups.findings.addTo(map); }
    }
  }
  var sel = null;
  if (h.f) {
    var k = h.f.indexOf(":"), lid = h.f.slice(0, k), code = h.f.slice(k + 1);
    sel = entries.filter(function (e) { return e.layer && e.layer.id === lid && e.code === code; })[0] || null;
  } else if (h.p) {
    sel = entries.filter(function (e) { return e.place && e.code === h.p; })[0] || null;
  }
  changed();
  var c = (h.c || "").split(",").map(Number), view = c.length === 2 && !isNaN(c[0]) && !isNaN(c[1]) &&
    h.z !== undefined && !isNaN(Number(h.z));
  // reset: at the zoom already shown Leaflet would pan by whole pixels, off the link's centre
  if (view) { map.setView([c[0], c[1]], Number(h.z), {reset: true}); }
  if (sel) { select(sel, true, view); }
  applying = false;
  updateLabels();
}

// ------------------------------------------------------------------------------------------ keeping it in step
// what the labels are placed for besides the view: the filled layer, the findings and flagged features shown
function labelsFor() {
  var top = subject(), flag = FINDING && LAYERS.filter(function (l) { return l.id === FINDING.layer; })[0];
  // the figure coloured by (an advice's groups are named more loosely) and the era of the districts named
  return [top ? top.id : "", FINDINGS && map.hasLayer(groups.findings), flag && map.hasLayer(groups[flag.id]),
    threshold, colourKey, NAMES ? namesSet() : ""].join("|");
}
var ready = false;  // later() has run: every shown layer has its outline, so adding a layer adds only its own paths
function changed(ev) {
  drawShown();
  if (!ev || ev.type !== "overlayremove") { reorder(ready && ev && ev.type === "overlayadd" ? ev.layer : null); }
  restyle();
  if (legendBody) { fillLegend(legendBody); }
  if (listBox && !listBox.hidden) { fillList(); }
  if (labelsFor() !== placedFor) { updateLabels(); }  // a layer turned on under the filled one moves no label
  writeHash(); untab();
}
map.on("overlayadd overlayremove", changed);
// on a phone an open popup has the screen: the title box keeps only the title while it is open
map.on("popupopen", function () { if (PHONE) { document.body.classList.add("ca-popped"); } });
map.on("popupclose", function () { document.body.classList.remove("ca-popped"); });
map.on("popupopen", clearOfControls);
map.on("zoomend moveend", function () { updateLabels(); writeHash(); });
map.on("popupclose", function (ev) {
  if (!selected || (ev.popup && ev.popup !== selected.popup && (selected.place || ev.popup._source !== polyOf(selected)))) { return; }
  if (highlight) { map.removeLayer(highlight); highlight = null; }
  selected = null; writeHash();
});
window.addEventListener("hashchange", function () { if (location.hash.slice(1) !== stateString()) { applyHash(); } });
// print: what the screen showed, fitted to the page (A4, map.css), then the screen's view back. Chromium
// fires beforeprint while the screen's layout still holds, and the print media query once the page's does.
var printView = null;
function toPrint() {
  if (!printView) {
    printView = {c: map.getCenter(), z: map.getZoom(), b: map.getBounds()};
    document.querySelectorAll(".ca-legend details, .ca-title-box details").forEach(function (x) { x.open = true; });
  }
  // England fills the sheet when the screen showed it whole (the title and the legend sit on the sea either
  // side); a closer view is printed as the screen showed it
  var england = L.latLngBounds(DATA.bounds), whole = printView.b.contains(england.pad(-0.15));
  map.invalidateSize({animate: false});
  if (whole) { fitClear(true); } else {
    map.options.zoomSnap = 0; map.fitBounds(printView.b, {animate: false, padding: [4, 4]}); map.options.zoomSnap = 0.25;
  }
  updateLabels();
}
// England clear of the panels: of the fits leaving the left-hand, the right-hand, both or neither column of
// controls free, the closest at which no panel covers a shape's label point (on a phone they sit above)
function fitClear(exact) {
  var m = map.getContainer().getBoundingClientRect(), size = map.getSize(), side = [0, 0], boxes = [], top = subject();
  map.getContainer().querySelectorAll(".leaflet-control:not(.leaflet-control-attribution):not(.leaflet-control-scale)")
    .forEach(function (e) {
      var b = e.getBoundingClientRect(); if (!b.width) { return; }
      var r = b.left - m.left + b.width / 2 > size.x / 2;
      side[+r] = Math.max(side[+r], r ? m.right - b.left : b.right - m.left);
      boxes.push([b.left - m.left, b.top - m.top, b.right - m.left, b.bottom - m.top]);
    });
  map.options.zoomSnap = exact ? 0 : 0.25;
  var best = [[1, 1], [0, 1], [1, 0], [0, 0]].map(function (u) {
    var v = map._getBoundsCenterZoom(L.latLngBounds(DATA.bounds), {paddingTopLeft: [u[0] * side[0] + 4, 4],
      paddingBottomRight: [u[1] * side[1] + 4, 4]}), o = map.project(v.center, v.zoom);
    v.ok = PHONE || !top || top.features.concat(FINDINGS ? FINDINGS.features : []).every(function (f) {
      var p = f.lp && map.project(point(f.lp), v.zoom).subtract(o).add(size.divideBy(2));
      return !p || !boxes.some(function (q) { return p.x > q[0] - 8 && p.x < q[2] + 8 && p.y > q[1] - 8 && p.y < q[3] + 8; });
    });
    return v;
  }).sort(function (a, b) { return b.ok - a.ok || b.zoom - a.zoom; })[0];
  applying = true; map.setView(best.center, best.zoom, {animate: false}); applying = false;
  map.options.zoomSnap = 0.25;
}
function fromPrint() {
  if (!printView) { return; }
  var v = printView; printView = null;
  map.invalidateSize({animate: false}); map.setView(v.c, v.z, {animate: false}); updateLabels();
}
window.addEventListener("beforeprint", toPrint);
window.addEventListener("afterprint", fromPrint);
var printMedia = window.matchMedia && window.matchMedia("print");
if (printMedia && printMedia.addEventListener) {
  printMedia.addEventListener("change", function (ev) { if (ev.matches) { toPrint(); } else { fromPrint(); } });
}
untab();
// the features paint first; the land, the coast, the labels and a shared link's view follow a frame later
function later() {
  drawShown(); reorder();
  addLand(); showThreshold(threshold); fillLegend(legendBody); fillKey(); fitClear(); applyHash(); updateLabels(); untab(); fitLegend();
  document.documentElement.setAttribute("data-ca-ready", "1");
  ready = true; idle(prebuild);
}
if (window.requestAnimationFrame) { requestAnimationFrame(function () { setTimeout(later, 0); }); }
else { setTimeout(later, 0); }

window.commissioningAtlas = {map: map, groups: groups, counts: counts, escapeHtml: escapeHtml,
  search: function (q) { var m = matches(q); return m.length ? select(m[0]) : null; },
  matches: function (q) { return matches(q).map(function (e) { return [e.name, e.layer ? e.layer.id : e.code]; }); },
  labels: function () { return Array.prototype.map.call(document.querySelectorAll(".ca-label"), function (x) {
    return x.getAttribute("data-text"); }); },
  state: stateString, updateLabels: updateLabels,
  figure: function () { var t = subject(), c = t && classesOf(t); return c ? c.key : null; },
  visiblePaths: function () { return document.querySelectorAll("path.leaflet-interactive").length; }};
/*take{*/
if (TAKE) { Object.keys(TAKE).forEach(function (k) { window.commissioningAtlas[k] = TAKE[k]; }); }
/*}take*/
})();
