// The timeline page: one map, an era control (slider, arrow keys), what each era is and what moved,
// a side-by-side view of two eras with linked pan and zoom, and the chart of commissioners over time.
// Everything shown is computed in Python (maps/timeline.py); table text is only ever set as textContent.
(function () {
"use strict";
var DATA = JSON.parse(document.getElementById("ca-data").textContent);
var SX = DATA.scale[0], SY = DATA.scale[1], ERAS = DATA.eras;
var CLASSES = [["equal", "#1b7837"], ["union", "#7fbf7b"], ["within", "#af8dc3"], ["straddling", "#762a83"]];

// el, svgEl: dom.js

// ------------------------------------------------------------------------------------------ geometry
var ARCS = arcPoints(DATA.arcs || unpackArcs(window.caArcBytes), SX, SY);  // arcs.js
function decodeRing(refs) { return ringOfArcs(ARCS, refs); }
function decode(feature) { return feature.map(function (rings) { return rings.map(decodeRing); }); }

// ------------------------------------------------------------------------------------------ layout
var box = document.getElementById("map");
box.removeAttribute("role");
box.className = "tl-map";
var page = el("div", "tl-page");
var head = el("header", "tl-head");
head.appendChild(el("h1", "", DATA.title));
if (DATA.index) {
  var back = el("a", "tl-index", "All maps");
  back.href = DATA.index;
  head.appendChild(back);
}
var control = el("div", "tl-control");
var prev = el("button", "tl-step", "\u2190"), next = el("button", "tl-step", "\u2192");
prev.type = next.type = "button";
prev.setAttribute("aria-label", "Previous era");
next.setAttribute("aria-label", "Next era");
var slider = el("input", "tl-slider");
slider.type = "range"; slider.min = "0"; slider.max = String(ERAS.length - 1); slider.step = "1";
slider.id = "tl-slider";
slider.setAttribute("aria-label", "Era (left and right arrow keys step through the eras)");
var ticks = el("datalist");
ticks.id = "tl-ticks";
ERAS.forEach(function (e, i) { var o = el("option"); o.value = String(i); o.label = e.key; ticks.appendChild(o); });
slider.setAttribute("list", "tl-ticks");
var eraName = el("output", "tl-era");
eraName.id = "tl-era";
eraName.setAttribute("for", "tl-slider");
control.appendChild(prev); control.appendChild(slider); control.appendChild(next); control.appendChild(ticks);
control.appendChild(eraName);
var compareBox = el("label", "tl-compare");
var compare = el("input");
compare.type = "checkbox"; compare.id = "tl-compare";
var other = el("select", "tl-other");
other.id = "tl-other";
other.setAttribute("aria-label", "Era shown beside");
ERAS.forEach(function (e, i) { var o = el("option", "", e.label); o.value = String(i); other.appendChild(o); });
compareBox.appendChild(compare);
compareBox.appendChild(document.createTextNode(" Side by side with "));
control.appendChild(compareBox);
control.appendChild(other);
head.appendChild(control);

var main = el("div", "tl-main");
var maps = el("div", "tl-maps");
var box2 = el("div", "tl-map tl-map2");
box2.id = "map2";
box2.hidden = true;
box.parentNode.insertBefore(page, box);
maps.appendChild(box);
maps.appendChild(box2);
var panel = el("aside", "tl-panel");
panel.setAttribute("aria-live", "polite");
main.appendChild(maps);
main.appendChild(panel);
page.appendChild(head);
page.appendChild(main);

// ------------------------------------------------------------------------------------------ maps
function makeMap(div) {
  var m = L.map(div, {zoomSnap: 0.25, keyboard: true});
  m.attributionControl.setPrefix(false);
  m.attributionControl.addAttribution(DATA.attribution);
  m.fitBounds(DATA.bounds);
  var renderer = L.svg({padding: 0.5}).addTo(m);
  (DATA.geometry[DATA.base] || []).forEach(function (g) {
    L.polygon(decode(g), {renderer: renderer, stroke: false, fillColor: "#e8e8e8", fillOpacity: 1,
      interactive: false}).addTo(m);
  });
  var tag = el("div", "tl-tag");
  div.appendChild(tag);
  m.on("moveend", function () {  // the view, readable from outside (tests, the linked map)
    var c = m.getCenter();
    div.setAttribute("data-view", c.lat.toFixed(4) + "," + c.lng.toFixed(4) + "," + m.getZoom());
  });
  return {map: m, renderer: renderer, groups: {}, shown: null, tag: tag};
}
var A = makeMap(box), B = null;

function tooltipEl(layer, f) {
  var d = el("div", "tl-tip");
  d.appendChild(el("strong", "", f.name));
  d.appendChild(el("div", "", f.code + " \u00b7 " + layer.title + " (" + layer.vintage + ")"));
  if (f.pop) { d.appendChild(el("div", "", "Residents: " + f.pop + " (" + layer.basis + ")")); }
  return d;
}
function eraGroup(view, i) {
  if (view.groups[i]) { return view.groups[i]; }
  var era = ERAS[i], g = L.featureGroup(), layer = DATA.layers[era.layer];
  DATA.geometry[era.layer].forEach(function (geom, n) {
    var f = layer.features[n];
    if (!geom.length) { return; }
    var p = L.polygon(decode(geom), {renderer: view.renderer, color: "#555", weight: 0.7,
      fillColor: DATA.palette[f.c], fillOpacity: 0.6, className: "tl-f"});
    p.bindTooltip(function () { return tooltipEl(layer, f); }, {sticky: true});
    g.addLayer(p);
  });
  era.lines.forEach(function (lid) {
    DATA.geometry[lid].forEach(function (geom) {
      if (geom.length) {
        g.addLayer(L.polygon(decode(geom), {renderer: view.renderer, color: "#222", weight: 1.6, dashArray: "5 3",
          fill: false, interactive: false, className: "tl-line"}));
      }
    });
  });
  if (era.changes) {
    var parts = era.changes.parts;
    DATA.geometry[era.changes.geometry].forEach(function (geom, n) {
      if (!geom.length) { return; }
      var p = L.polygon(decode(geom), {renderer: view.renderer, color: "#b2182b", weight: 2.5,
        fillColor: "#d6604d", fillOpacity: 0.85, className: "tl-moved"});
      var row = parts[n];
      if (row) {
        p.bindTooltip(function () {
          var d = el("div", "tl-tip");
          d.appendChild(el("strong", "", "Moved: " + row.from));
          d.appendChild(el("div", "", "to " + row.to + ": " + row.people + " residents (" + row.share + ")"));
          if (row.whole) { d.appendChild(el("div", "", "of the whole body's " + row.whole + " residents")); }
          return d;
        }, {sticky: true});
      }
      g.addLayer(p);
    });
  }
  view.groups[i] = g;
  return g;
}
function show(view, i) {
  if (view.shown === i) { return; }
  if (view.shown !== null) { view.map.removeLayer(view.groups[view.shown]); }
  eraGroup(view, i).addTo(view.map);
  // shapes stay out of the tab order (Leaflet makes a shape with a tooltip a Tab stop without a name): the
  // map itself takes the focus and pans with the arrow keys; the panel lists what moved
  var stops = view.map.getContainer().querySelectorAll(".leaflet-pane [tabindex]");
  for (var k = 0; k < stops.length; k++) { stops[k].setAttribute("tabindex", "-1"); }
  view.shown = i;
  view.tag.textContent = ERAS[i].key;
  view.map.getContainer().setAttribute("data-era", ERAS[i].key);
  view.map.getContainer().setAttribute("aria-label", "Map of " + ERAS[i].label);
}

// ------------------------------------------------------------------------------------------ the panel
function dlRow(dl, term, value, id) {
  dl.appendChild(el("dt", "", term));
  var dd = el("dd", "", value);
  if (id) { dd.id = id; }
  dl.appendChild(dd);
}
function changesBlock(era) {
  var sec = el("section", "tl-changes");
  sec.id = "tl-changes";
  var c = era.changes;
  if (!c) {
    sec.appendChild(el("h3", "", "What moved"));
    sec.appendChild(el("p", "", "The first era: nothing before it."));
    return sec;
  }
  sec.appendChild(el("h3", "", "What moved since " + c.old_title + " (" + c.old + ")"));
  var counts = Object.keys(c.counts).map(function (k) { return c.counts[k] + " " + k; });
  sec.appendChild(el("p", "", counts.length ? "Parts compared by residents (" + c.new_title + " against " +
    c.old_title + "): " + counts.join(", ") + "." : "No boundary changed."));
  var listed = c.parts.slice(0, c.parts.length - c.more);
  if (listed.length) {
    sec.appendChild(el("p", "tl-key", "Drawn in red on the map: parts that left their body."));
    var ul = el("ul", "tl-moved-list");
    listed.forEach(function (r) {
      var li = el("li");
      li.appendChild(el("strong", "", r.from));
      li.appendChild(document.createTextNode(" \u2192 " + r.to + ": " + r.people + " residents (" + r.share +
        " of its residents)" + (r["class"] === "moved parent" ? ", kept its code but changed parent" : "")));
      ul.appendChild(li);
    });
    sec.appendChild(ul);
    if (c.more) { sec.appendChild(el("p", "", "and " + c.more + " more parts, drawn on the map.")); }
  } else {
    sec.appendChild(el("p", "", "No part left its body: bodies merged, split whole or kept their shape."));
  }
  return sec;
}
var chartBox = el("section", "tl-chart");
function drawPanel(i) {
  var era = ERAS[i], layer = DATA.layers[era.layer];
  while (panel.firstChild) { panel.removeChild(panel.firstChild); }
  panel.appendChild(el("h2", "", era.label));
  var dl = el("dl", "tl-figures");
  dlRow(dl, "Bodies", String(era.bodies) + " " + layer.title.toLowerCase(), "tl-count");
  dlRow(dl, "Median size", era.median_text + " residents", "tl-median");
  dlRow(dl, "Coterminous", era.coterminous_text, "tl-coterminous");
  panel.appendChild(dl);
  panel.appendChild(changesBlock(era));
  panel.appendChild(chartBox);
  markChart(era.layer);
  var src = el("p", "tl-source", layer.source);
  panel.appendChild(src);
}

// ------------------------------------------------------------------------------------------ the chart
var bars = {};
(function chart() {
  var rows = DATA.chart, w = 340, h = 200, left = 26, bottom = 34, top = 14;
  var max = Math.max.apply(null, rows.map(function (r) { return r.bodies; }).concat([1]));
  var bw = (w - left - 4) / rows.length;
  chartBox.appendChild(el("h3", "", "Commissioners and their coterminosity with councils, " +
    rows[0].year + "-" + rows[rows.length - 1].year));
  var svg = svgEl("svg", {viewBox: "0 0 " + w + " " + h, role: "img", "aria-labelledby": "tl-chart-title",
    "class": "tl-svg"});
  var summary = rows.map(function (r) { return r.year + " " + r.label + ": " + r.bodies + ", " + r.share +
    " coterminous"; }).join("; ");
  svg.appendChild(svgEl("title", {id: "tl-chart-title"}, "Count of commissioners by coterminosity class: " + summary));
  var y = function (v) { return top + (h - top - bottom) * (1 - v / max); };
  svg.appendChild(svgEl("line", {x1: left, x2: w, y1: y(0), y2: y(0), stroke: "#888"}));
  [0, Math.round(max / 2), max].forEach(function (v) {
    svg.appendChild(svgEl("text", {x: left - 3, y: y(v) + 3, "text-anchor": "end", "class": "tl-axis"}, v));
  });
  rows.forEach(function (r, n) {
    var x = left + n * bw, acc = 0, g = svgEl("g", {"class": "tl-bar"});
    g.appendChild(svgEl("rect", {x: x, y: top - 12, width: bw, height: h - top - bottom + 12, fill: "transparent",
      "class": "tl-bar-bg"}));
    CLASSES.forEach(function (c) {
      var v = r[c[0]];
      if (v) {
        g.appendChild(svgEl("rect", {x: x + 1, y: y(acc + v), width: bw - 2, height: y(acc) - y(acc + v), fill: c[1]}));
      }
      acc += v;
    });
    g.appendChild(svgEl("text", {x: x + bw / 2, y: y(r.bodies) - 2, "text-anchor": "middle", "class": "tl-n"},
      r.bodies));
    g.appendChild(svgEl("text", {x: x + bw / 2, y: h - bottom + 11, "text-anchor": "middle", "class": "tl-axis"},
      "'" + r.year.slice(2)));
    g.appendChild(svgEl("text", {x: x + bw / 2, y: h - bottom + 21, "text-anchor": "middle", "class": "tl-axis"},
      r.label.split(" ")[0]));
    g.appendChild(svgEl("title", {}, r.year + " " + r.title + ": " + r.bodies + " bodies, " + r.share +
      " coterminous (equal " + r.equal + ", union " + r.union + ", within " + r.within + ", straddling " +
      r.straddling + ")"));
    bars[r.layer] = g;
    svg.appendChild(g);
  });
  CLASSES.forEach(function (c, n) {
    var x = left + n * 78;
    svg.appendChild(svgEl("rect", {x: x, y: h - 9, width: 9, height: 9, fill: c[1]}));
    svg.appendChild(svgEl("text", {x: x + 12, y: h - 1, "class": "tl-axis"}, c[0]));
  });
  chartBox.appendChild(svg);
  chartBox.appendChild(el("p", "tl-note", "Bars: bodies by class against the upper-tier councils of their day " +
    "(tolerant coterminosity, 2011 LSOAs). Coterminous: equal, union or within."));
})();
function markChart(layerId) {
  Object.keys(bars).forEach(function (k) { bars[k].setAttribute("class", "tl-bar" + (k === layerId ? " tl-now" : "")); });
}

// ------------------------------------------------------------------------------------------ control
var syncing = false;
function sync(from, partner) {  // linked pan and zoom: a move of one map moves the other
  from.map.on("move", function () {
    var to = partner();
    if (syncing || !to || box2.hidden) { return; }
    syncing = true;
    to.map.setView(from.map.getCenter(), from.map.getZoom(), {animate: false});
    syncing = false;
  });
}
sync(A, function () { return B; });
var current = 0;
function setEra(i) {
  i = Math.max(0, Math.min(ERAS.length - 1, i));
  current = i;
  slider.value = String(i);
  slider.setAttribute("aria-valuetext", ERAS[i].label);
  eraName.textContent = ERAS[i].label;
  prev.disabled = i === 0;
  next.disabled = i === ERAS.length - 1;
  show(A, i);
  drawPanel(i);
  writeHash();
}
// the address keeps the era (and the one beside it), so a copied link opens what you see: #era=2022&beside=2021
function writeHash() {
  var h = "#era=" + encodeURIComponent(ERAS[current].key) + (compare.checked ?
    "&beside=" + encodeURIComponent(ERAS[Number(other.value)].key) : "");
  if (location.hash !== h && window.history && history.replaceState) { history.replaceState(null, "", h); }
}
// a malformed escape in a hand-edited URL (#era=%) is ignored, never an exception that stops the page
function safeDecode(s) { try { return decodeURIComponent(s); } catch (ignored) { return null; } }
function readHash() {
  var out = {};
  location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
    var p = kv.split("=");
    var key = p.length === 2 ? safeDecode(p[1]) : null;
    if (key !== null) {
      ERAS.forEach(function (e, n) { if (e.key === key) { out[p[0]] = n; } });
    }
  });
  return out;
}
function setCompare() {
  box2.hidden = !compare.checked;
  other.disabled = !compare.checked;
  maps.className = "tl-maps" + (compare.checked ? " tl-two" : "");
  if (compare.checked && !B) {
    B = makeMap(box2);
    sync(B, function () { return A; });
  }
  A.map.invalidateSize({animate: false});
  if (compare.checked) {
    B.map.invalidateSize({animate: false});
    B.map.setView(A.map.getCenter(), A.map.getZoom(), {animate: false});
    show(B, Number(other.value));
  }
  writeHash();
}
slider.addEventListener("input", function () { setEra(Number(slider.value)); });
prev.addEventListener("click", function () { setEra(current - 1); });
next.addEventListener("click", function () { setEra(current + 1); });
compare.addEventListener("change", setCompare);
other.addEventListener("change", function () { if (B) { show(B, Number(other.value)); writeHash(); } });
document.addEventListener("keydown", function (ev) {
  var t = ev.target, tag = t && t.tagName;
  if (t === slider || tag === "SELECT" || tag === "TEXTAREA" || (tag === "INPUT" && t.type !== "checkbox")) { return; }
  // a map with the focus pans with the arrow keys (Leaflet's keyboard); Page Up/Down still change the era
  if (t && t.closest && t.closest(".leaflet-container") && /^Arrow/.test(ev.key)) { return; }
  var step = {ArrowLeft: -1, ArrowRight: 1, PageUp: -1, PageDown: 1}[ev.key];
  if (ev.key === "Home") { setEra(0); } else if (ev.key === "End") { setEra(ERAS.length - 1); }
  else if (step) { setEra(current + step); } else { return; }
  ev.preventDefault();
  ev.stopPropagation();
}, true);
if (window.ResizeObserver) {  // the panel's content or a phone's rotation resizes the maps: Leaflet is told
  new ResizeObserver(function () {
    A.map.invalidateSize({animate: false});
    if (B && !box2.hidden) { B.map.invalidateSize({animate: false}); }
  }).observe(maps);
}
var start = readHash();
other.value = String(start.beside !== undefined ? start.beside : Math.max(0, ERAS.length - 1));
other.disabled = true;
setEra(start.era || 0);
if (start.beside !== undefined) { compare.checked = true; setCompare(); }
window.addEventListener("hashchange", function () {  // an address edited by hand
  var h = readHash();
  if (h.beside !== undefined) { other.value = String(h.beside); compare.checked = true; setCompare(); }
  if (h.era !== undefined) { setEra(h.era); }
});
document.documentElement.setAttribute("data-ca-ready", "1");
})();
