(function () {
"use strict";
var DATA = JSON.parse(document.getElementById("ca-data").textContent);
var SX = DATA.scale[0], SY = DATA.scale[1];
var PALETTE = DATA.palette, SEV = DATA.severity, CROSS = DATA.crossing;
var LABELS = {code: "Code", ods_code: "ODS code", population: "Population (2011)",
  registered_population: "Registered population", area_km2: "Area (km\u00b2)", status: "Status",
  members: "Members", partners: "Partners", confidence: "Confidence", note: "Note", source: "Source",
  rule: "Rule", "class": "Class", severity: "Severity", subject_layer: "Subject layer",
  subject_code: "Subject code", subject_name: "Subject", against_layer: "Against layer",
  against_code: "Against code", against_name: "Against", share_area: "Share of area",
  share_population: "Share of population", class_strict: "Class (strict)", tolerance: "Tolerance"};

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
  });
}
function fmtInt(n) {
  if (n === null || n === undefined || n === "" || isNaN(Number(n))) { return String(n); }
  var s = String(Math.round(Math.abs(Number(n))));
  return (Number(n) < 0 ? "-" : "") + s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
function fmtNum(n, d) {
  var x = Number(n); if (isNaN(x)) { return String(n); }
  var parts = x.toFixed(d).split("."); return fmtInt(parts[0]) + (parts[1] ? "." + parts[1] : "");
}
function fmtPct(x) { var v = Number(x); if (isNaN(v)) { return String(x); } return (v * 100).toFixed(1) + "%"; }
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) { e.className = cls; }
  if (text !== undefined && text !== null) { e.textContent = String(text); }
  return e;
}
// arcs: flat integer deltas (first vertex absolute); a ring lists its arcs, ~i meaning arc i reversed.
// A packed page carries them as bytes (encode_arcs): 32-bit values in four byte planes, zigzag deltas.
function unpackArcs(b) {
  var k = b.length >> 2, v = new Array(k), i, j;
  for (i = 0; i < k; i++) { v[i] = (b[i] | b[k + i] << 8 | b[2 * k + i] << 16 | b[3 * k + i] << 24) >>> 0; }
  function z(u) { return (u >>> 1) ^ -(u & 1); }
  var n = v[0], p = 1 + n, fx = 0, fy = 0, out = [];
  for (i = 0; i < n; i++) {
    var a = new Array(2 * v[1 + i]);
    fx += z(v[p]); fy += z(v[p + 1]); a[0] = fx; a[1] = fy;
    for (j = 2; j < a.length; j++) { a[j] = z(v[p + j]); }
    p += a.length; out.push(a);
  }
  return out;
}
var ARCS = (DATA.arcs || unpackArcs(window.caArcBytes)).map(function (a) {
  var out = [], x = 0, y = 0;
  for (var i = 0; i < a.length; i += 2) { x += a[i]; y += a[i + 1]; out.push([y / SY, x / SX]); }
  return out;
});
function decodeRing(refs) {
  var pts = [];
  refs.forEach(function (r) {
    var a = r < 0 ? ARCS[~r].slice().reverse() : ARCS[r];
    for (var i = pts.length ? 1 : 0; i < a.length; i++) { pts.push(a[i]); }
  });
  pts.pop();  // the last arc ends where the ring began
  return pts;
}
function decode(parts) { return parts.map(function (rings) { return rings.map(decodeRing); }); }
function formatValue(key, v) {
  if (key === "population" || key === "registered_population") { return fmtInt(v); }
  if (key === "area_km2") { return fmtNum(v, 1); }
  if (key === "share_area" || key === "share_population") { return fmtPct(v); }
  return String(v);
}
function linkify(td, text) {
  var re = /https?:\/\/[^\s()<>"']+/g, last = 0, m;
  text = String(text);
  while ((m = re.exec(text)) !== null) {
    td.appendChild(document.createTextNode(text.slice(last, m.index)));
    var a = el("a", null, m[0]);
    a.setAttribute("href", m[0]); a.setAttribute("target", "_blank"); a.setAttribute("rel", "noopener noreferrer");
    td.appendChild(a); last = m.index + m[0].length;
  }
  td.appendChild(document.createTextNode(text.slice(last)));
}
function tooltipEl(layer, f) {
  var d = el("div", "ca-tt");
  d.appendChild(el("b", null, f.name));
  var p = f.p || {};
  if (layer.kind === "findings") {
    d.appendChild(el("span", null, (p.rule || "") + " \u2013 " + (f.sev || "")));
    if (p.share_population !== undefined) {
      d.appendChild(el("div", null, fmtPct(p.share_population) + " of population, " +
        (p.share_area !== undefined ? fmtPct(p.share_area) : "?") + " of area"));
    }
  } else {
    if (p.code !== undefined) { d.appendChild(el("div", null, p.code)); }
    if (p.population !== undefined) { d.appendChild(el("div", null, "Population " + fmtInt(p.population))); }
  }
  return d;
}
function popupEl(layer, f) {
  var d = el("div", "ca-popup");
  d.appendChild(el("h3", null, f.name));
  d.appendChild(el("div", null, layer.title));
  var t = el("table"), p = f.p || {};
  Object.keys(LABELS).forEach(function (k) {
    if (p[k] === undefined || p[k] === null) { return; }
    var tr = el("tr"); tr.appendChild(el("th", null, LABELS[k]));
    var td = el("td");
    if (k === "source") { linkify(td, p[k]); } else { td.textContent = formatValue(k, p[k]); }
    tr.appendChild(td); t.appendChild(tr);
  });
  d.appendChild(t);
  return d;
}

var map = L.map("map", {zoomSnap: 0.25, preferCanvas: false});
map.attributionControl.setPrefix("Leaflet");
map.fitBounds(DATA.bounds);
var renderer = L.svg({padding: 0.5}).addTo(map);
(function addHatch() {
  var ns = "http://www.w3.org/2000/svg", svg = renderer._container;
  var defs = document.createElementNS(ns, "defs"), pat = document.createElementNS(ns, "pattern");
  pat.setAttribute("id", "ca-hatch"); pat.setAttribute("patternUnits", "userSpaceOnUse");
  pat.setAttribute("width", "8"); pat.setAttribute("height", "8");
  pat.setAttribute("patternTransform", "rotate(45)");
  var bg = document.createElementNS(ns, "rect");
  bg.setAttribute("width", "8"); bg.setAttribute("height", "8"); bg.setAttribute("fill", "#ffd6d6");
  var ln = document.createElementNS(ns, "rect");
  ln.setAttribute("width", "3"); ln.setAttribute("height", "8"); ln.setAttribute("fill", CROSS);
  pat.appendChild(bg); pat.appendChild(ln); defs.appendChild(pat); svg.insertBefore(defs, svg.firstChild);
})();
if (DATA.tiles) {
  L.tileLayer(DATA.tiles.url, {attribution: escapeHtml(DATA.tiles.attribution), maxZoom: 18}).addTo(map);
}
function styleFor(layer, f) {
  var s = {renderer: renderer, color: layer.style.color, weight: layer.style.weight,
    fill: layer.style.fill !== false, fillOpacity: layer.style.fillOpacity, interactive: layer.kind !== "base"};
  if (layer.kind === "base") { s.fillColor = layer.style.fillColor; s.opacity = 0.9; return s; }
  if (layer.kind === "findings") {
    if (f.x) {
      s.color = CROSS; s.weight = 2.5; s.fillColor = "url(#ca-hatch) " + CROSS; s.fillOpacity = 0.85;
    } else {
      s.color = SEV[f.sev] || "#666"; s.weight = 2; s.fillColor = SEV[f.sev] || "#666"; s.fillOpacity = 0.45;
    }
    return s;
  }
  s.fillColor = PALETTE[f.k % PALETTE.length];
  if (f.s && layer.dash && layer.dash[f.s]) { s.dashArray = layer.dash[f.s]; }
  return s;
}
var groups = {}, overlays = {}, index = [], counts = {};
DATA.layers.forEach(function (layer) {
  var geoms = DATA.geometry[layer.geometry] || [];
  var group = L.featureGroup();
  layer.dash = {};
  (layer.status || []).forEach(function (st) { layer.dash[st.label] = st.dash; });
  var feats = layer.features || geoms.map(function () { return {}; });
  feats.forEach(function (f, i) {
    var st = styleFor(layer, f);
    var g = f.r ? DATA.geometry[f.r[0]][f.r[1]] : geoms[f.gi !== undefined ? f.gi : i];
    var poly = L.polygon(decode(g), st);
    if (layer.kind !== "base") {
      poly.bindTooltip(function () { return tooltipEl(layer, f); }, {sticky: true});
      poly.bindPopup(function () { return popupEl(layer, f); }, {maxWidth: 380});
      poly.on("mouseover", function () { poly.setStyle({weight: st.weight + 2}); });
      poly.on("mouseout", function () { poly.setStyle({weight: st.weight}); });
      index.push({name: String(f.name), lower: String(f.name).toLowerCase(), layer: layer, group: group, poly: poly});
    }
    group.addLayer(poly);
  });
  groups[layer.id] = group; counts[layer.id] = feats.length;
  if (layer.show) { group.addTo(map); }
  if (layer.control) { overlays[escapeHtml(layer.title) + " <small>(" + feats.length + ")</small>"] = group; }
});

L.control.layers(null, overlays, {collapsed: false, position: "topright"}).addTo(map);
L.control.scale({position: "bottomleft"}).addTo(map);
map.attributionControl.addAttribution(escapeHtml(DATA.attribution) +
  " <details class=\"ca-src\"><summary>Layer sources</summary>" +
  DATA.sources.map(escapeHtml).join("<br>") + "</details>");

// title
var Title = L.Control.extend({options: {position: "topright"}, onAdd: function () {
  var d = el("div", "ca-box ca-title", DATA.title); L.DomEvent.disableClickPropagation(d); return d; }});
new Title().addTo(map);

// legend
function fillLegend(d) {
  d.textContent = "";
  d.appendChild(el("h4", null, "Legend"));
  DATA.layers.forEach(function (layer) {
    if (layer.kind === "base" || layer.kind === "findings") { return; }
    if (!map.hasLayer(groups[layer.id])) { return; }
    var row = el("div"), sw = el("span", "ca-sw");
    sw.style.borderColor = layer.style.color;
    sw.style.background = layer.style.fill === false ? "transparent" :
      "linear-gradient(90deg," + PALETTE[0] + " 33%," + PALETTE[1] + " 33% 66%," + PALETTE[2] + " 66%)";
    row.appendChild(sw); row.appendChild(el("span", null, layer.title)); d.appendChild(row);
    (layer.status || []).forEach(function (st) {
      var r = el("div"), s2 = el("span", "ca-sw");
      s2.style.borderStyle = st.dash ? "dashed" : "solid"; s2.style.borderColor = layer.style.color;
      if (st.dash === "2 4" || st.dash === "1 3") { s2.style.borderStyle = "dotted"; }
      r.appendChild(s2); r.appendChild(el("span", null, "status: " + st.label)); d.appendChild(r);
    });
  });
  if (DATA.layers.some(function (l) { return l.kind === "findings"; })) {
    d.appendChild(el("h4", null, "Findings"));
    var rx = el("div"), sx = el("span", "ca-sw ca-hatch"); sx.style.borderColor = CROSS;
    rx.appendChild(sx); rx.appendChild(el("span", null, "crossing part (outside its boundary)")); d.appendChild(rx);
    Object.keys(SEV).forEach(function (k) {
      var r = el("div"), s3 = el("span", "ca-sw");
      s3.style.borderColor = SEV[k]; s3.style.background = SEV[k];
      r.appendChild(s3); r.appendChild(el("span", null, k + (DATA.counts && DATA.counts[k] !== undefined ?
        " (" + DATA.counts[k] + ")" : ""))); d.appendChild(r);
    });
    DATA.layers.forEach(function (layer) {
      if (layer.kind !== "findings") { return; }
      var unshaped = layer.unshaped || [];
      d.appendChild(el("div", "ca-drawn", layer.drawn + " drawn on the map, " + unshaped.length +
        " listed without a shape"));
      if (!unshaped.length) { return; }
      var det = el("details", "ca-unshaped"), ul = el("ul");
      det.appendChild(el("summary", null, "Findings without a shape (" + unshaped.length + ")"));
      unshaped.forEach(function (f) {
        var p = f.p || {};
        ul.appendChild(el("li", null, f.name + ": " + [p.rule, p["class"], f.sev].filter(Boolean).join(", ")));
      });
      det.appendChild(ul); d.appendChild(det);
    });
  }
  var rb = el("div"), sb = el("span", "ca-sw"); sb.style.borderColor = "#9e9e9e"; sb.style.background = "#eeeeee";
  rb.appendChild(sb); rb.appendChild(el("span", null, "Outline: " + DATA.base_title)); d.appendChild(rb);
}
var Legend = L.Control.extend({options: {position: "bottomright"}, onAdd: function () {
  var d = el("div", "ca-box ca-legend");
  L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
  fillLegend(d);
  map.on("overlayadd overlayremove", function () { fillLegend(d); });
  return d; }});
new Legend().addTo(map);

// fullscreen
var Full = L.Control.extend({options: {position: "topleft"}, onAdd: function () {
  var wrap = el("div", "leaflet-bar"), b = el("button", "ca-full");
  var ns = "http://www.w3.org/2000/svg", icon = document.createElementNS(ns, "svg"), ip = document.createElementNS(ns, "path");
  icon.setAttribute("viewBox", "0 0 16 16"); icon.setAttribute("width", "16"); icon.setAttribute("height", "16");
  ip.setAttribute("d", "M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5"); ip.setAttribute("fill", "none");
  ip.setAttribute("stroke", "#333"); ip.setAttribute("stroke-width", "2");
  icon.appendChild(ip); b.appendChild(icon);
  b.type = "button"; b.title = "Full screen"; b.setAttribute("aria-label", "Full screen");
  L.DomEvent.disableClickPropagation(wrap);
  b.addEventListener("click", function () {
    var de = document.documentElement;
    if (document.fullscreenElement) { document.exitFullscreen(); return; }
    if (document.body.classList.contains("ca-max")) {
      document.body.classList.remove("ca-max"); map.invalidateSize(); return; }
    var fallback = function () { document.body.classList.add("ca-max"); map.invalidateSize(); };
    if (de.requestFullscreen) {
      try { de.requestFullscreen().then(function () { map.invalidateSize(); }, fallback); } catch (e) { fallback(); }
    } else { fallback(); }
  });
  wrap.appendChild(b); return wrap; }});
new Full().addTo(map);

// search
function visibleMatches(q) {
  q = q.trim().toLowerCase();
  if (!q) { return []; }
  var vis = index.filter(function (e) { return map.hasLayer(e.group); });
  var exact = vis.filter(function (e) { return e.lower === q; });
  var starts = vis.filter(function (e) { return e.lower !== q && e.lower.indexOf(q) === 0; });
  var inner = vis.filter(function (e) { return e.lower.indexOf(q) > 0; });
  return exact.concat(starts, inner);
}
function go(entry) {
  map.fitBounds(entry.poly.getBounds(), {maxZoom: 11, animate: false});
  entry.poly.openPopup();
  return entry.name;
}
var Search = L.Control.extend({options: {position: "topleft"}, onAdd: function () {
  var d = el("div", "ca-box ca-search");
  L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
  var input = el("input"); input.type = "search"; input.placeholder = "Find an area by name";
  input.setAttribute("aria-label", "Find an area by name"); input.setAttribute("list", "ca-names");
  var dl = el("datalist"); dl.id = "ca-names";
  var seen = {};
  index.slice().sort(function (a, b) { return a.lower < b.lower ? -1 : a.lower > b.lower ? 1 : 0; })
    .forEach(function (e) { if (!seen[e.name]) { seen[e.name] = 1; var o = el("option"); o.value = e.name; dl.appendChild(o); } });
  var list = el("ul"), note = el("small");
  function show() {
    list.textContent = "";
    var m = visibleMatches(input.value);
    note.textContent = input.value.trim() && !m.length ? "No match in the visible layers" : "";
    m.slice(0, 8).forEach(function (e) {
      var li = el("li"), b = el("button", null, e.name + " \u2013 " + e.layer.title);
      b.type = "button"; b.addEventListener("click", function () { go(e); });
      li.appendChild(b); list.appendChild(li);
    });
    return m;
  }
  input.addEventListener("input", show);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { var m = show(); if (m.length) { go(m[0]); } ev.preventDefault(); }
  });
  d.appendChild(input); d.appendChild(dl); d.appendChild(list); d.appendChild(note);
  return d; }});
new Search().addTo(map);

window.commissioningAtlas = {map: map, groups: groups, counts: counts, escapeHtml: escapeHtml,
  search: function (q) { var m = visibleMatches(q); return m.length ? go(m[0]) : null; },
  visiblePaths: function () { return document.querySelectorAll("path.leaflet-interactive").length; }};
document.documentElement.setAttribute("data-ca-ready", "1");
})();
