// The timeline page: one map, an era control (slider with its years, arrow keys), what each era is and what
// moved (each part a button that zooms to it), a side-by-side view of two eras with linked pan and zoom and
// the sentence of what differs between them, a legend, labels, a scale bar, the atlas's search (towns, places,
// every neighbourhood) and the chart of commissioners over time. The address keeps the eras and, once moved,
// the view.
// Everything shown is computed in Python (maps/timeline.py); table text is only ever set as textContent.
(function () {
"use strict";
var DATA = JSON.parse(document.getElementById("ca-data").textContent);
var SX = DATA.scale[0], SY = DATA.scale[1], ERAS = DATA.eras;
var PHONE = window.matchMedia && window.matchMedia("(max-width: 700px)").matches;
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
var slide = el("div", "tl-slide");
var slider = el("input", "tl-slider");
slider.type = "range"; slider.min = "0"; slider.max = String(ERAS.length - 1); slider.step = "1";
slider.id = "tl-slider";
slider.setAttribute("aria-label", "Era (left and right arrow keys step through the eras)");
var ticks = el("datalist");
ticks.id = "tl-ticks";
ERAS.forEach(function (e, i) { var o = el("option"); o.value = String(i); o.label = e.key; ticks.appendChild(o); });
slider.setAttribute("list", "tl-ticks");
// each tick's year under it (a datalist's labels are not drawn): a click on a year picks its era; the
// slider itself tells assistive technology the era, so the years are hidden from it
var years = el("div", "tl-years");
years.setAttribute("aria-hidden", "true");
var yearMarks = ERAS.map(function (e, i) {
  var y = el("span", "tl-year", e.key);
  y.setAttribute("data-era", e.key);
  y.addEventListener("click", function () { setEra(i); });
  years.appendChild(y);
  return y;
});
slide.appendChild(slider); slide.appendChild(ticks); slide.appendChild(years);
var THUMB = 16;  // Chromium's and Firefox's range thumb: the ticks run from its half to the end less its half
function placeYears() {
  var w = slider.getBoundingClientRect().width, n = ERAS.length;
  if (!w) { return; }
  // "2011" needs ~30 px, "'11" ~18 px; narrower (a phone), every other year and the chosen one
  var step = (w - THUMB) / Math.max(1, n - 1), short = step < 34, sparse = step < 21;
  yearMarks.forEach(function (y, i) {
    y.style.left = (THUMB / 2 + step * i) + "px";
    y.textContent = short ? "\u2019" + ERAS[i].key.slice(2) : ERAS[i].key;
    y.hidden = sparse && i % 2 === 1 && i !== current && i !== n - 1;
  });
}
var eraName = el("output", "tl-era");
eraName.id = "tl-era";
eraName.setAttribute("for", "tl-slider");
control.appendChild(prev); control.appendChild(slide); control.appendChild(next);
head.appendChild(eraName);  // beside the title: its length changes with the era, the slider's width does not
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
var ENGLAND = L.latLngBounds(DATA.bounds);
var Legend = L.Control.extend({options: {position: "topleft"}, onAdd: function () {
  var d = el("div", "tl-legend");
  L.DomEvent.disableClickPropagation(d);
  L.DomEvent.disableScrollPropagation(d);
  return d;
}});
function makeMap(div) {
  var m = L.map(div, {zoomSnap: 0.25, keyboard: true});
  m.attributionControl.setPrefix(false);
  m.attributionControl.addAttribution(DATA.attribution);
  m.fitBounds(ENGLAND);
  L.control.scale({position: "bottomleft"}).addTo(m);
  var legend = new Legend().addTo(m);
  var renderer = L.svg({padding: 0.5}).addTo(m);
  (DATA.geometry[DATA.base] || []).forEach(function (g) {
    L.polygon(decode(g), {renderer: renderer, stroke: false, fillColor: "#e8e8e8", fillOpacity: 1,
      interactive: false}).addTo(m);
  });
  var tag = el("div", "tl-tag");
  div.appendChild(tag);
  var view = {map: m, renderer: renderer, groups: {}, moved: {}, shown: null, tag: tag,
    legend: legend.getContainer(), labels: L.layerGroup().addTo(m), lit: null};
  m.on("moveend", function () {  // the view, readable from outside (tests, the linked map)
    var c = m.getCenter();
    div.setAttribute("data-view", c.lat.toFixed(4) + "," + c.lng.toFixed(4) + "," + m.getZoom());
    updateLabels(view);
  });
  return view;
}
// England whole in the map (a fitted view): kept whole when the map's size changes, and left out of the link
function showsEngland(view) { return view.map.getBounds().contains(ENGLAND.pad(-0.1)); }
function fitEngland(view) { view.map.fitBounds(ENGLAND, {animate: false}); }
var A = makeMap(box), B = null;

function tooltipEl(layer, f) {
  var d = el("div", "tl-tip");
  d.appendChild(el("strong", "", f.name));
  d.appendChild(el("div", "", f.code + " \u00b7 " + layer.title + " (" + layer.vintage + ")"));
  if (f.pop) { d.appendChild(el("div", "", "Residents: " + f.pop + " (" + layer.basis + ")")); }
  return d;
}
var MOVED = {color: "#b2182b", weight: 2.5, fillColor: "#d6604d", fillOpacity: 0.85};
function eraGroup(view, i) {
  if (view.groups[i]) { return view.groups[i]; }
  var era = ERAS[i], g = L.featureGroup(), layer = DATA.layers[era.layer];
  DATA.geometry[era.layer].forEach(function (geom, n) {
    var f = layer.features[n];
    if (!geom.length) { return; }
    var p = L.polygon(decode(geom), {renderer: view.renderer, color: "#555", weight: 0.7,
      fillColor: DATA.palette[f.c], fillOpacity: 0.6, className: "tl-f"});
    p.on("add", function () { p.getElement().setAttribute("data-code", f.code); });  // read by tests
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
  view.moved[i] = {};
  if (era.changes) {
    var parts = era.changes.parts;
    DATA.geometry[era.changes.geometry].forEach(function (geom, n) {
      if (!geom.length) { return; }
      var p = L.polygon(decode(geom), L.extend({renderer: view.renderer, className: "tl-moved"}, MOVED));
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
      view.moved[i][n] = p;
      g.addLayer(p);
    });
  }
  view.groups[i] = g;
  return g;
}
function show(view, i) {
  if (view.shown === i) { return; }
  if (view.shown !== null) { view.map.removeLayer(view.groups[view.shown]); }
  if (view.lit) { view.lit.setStyle(MOVED); view.lit = null; }
  eraGroup(view, i).addTo(view.map);
  // shapes stay out of the tab order (Leaflet makes a shape with a tooltip a Tab stop without a name): the
  // map itself takes the focus and pans with the arrow keys; the panel lists what moved, each part a button
  var stops = view.map.getContainer().querySelectorAll(".leaflet-pane [tabindex]");
  for (var k = 0; k < stops.length; k++) { stops[k].setAttribute("tabindex", "-1"); }
  view.shown = i;
  view.tag.textContent = ERAS[i].key;
  view.map.getContainer().setAttribute("data-era", ERAS[i].key);
  view.map.getContainer().setAttribute("aria-label", "Map of " + ERAS[i].label);
  fillLegend(view);
  updateLabels(view);
}
// a moved part from the panel's list: the map zooms to it, outlines it and names it
function zoomToPart(view, i, n) {
  var p = view.moved[i] && view.moved[i][n];
  if (!p) { return; }
  if (view.lit) { view.lit.setStyle(MOVED); }
  p.setStyle({color: "#111", weight: 4});
  p.bringToFront();
  view.lit = p;
  view.map.fitBounds(p.getBounds(), {maxZoom: 11, padding: [40, 40], animate: false});
  p.openTooltip(p.getBounds().getCenter());
}

// ------------------------------------------------------------------------------------------ legend
function swatch(kind, o) {
  var s = svgEl("svg", {width: 26, height: 14, "aria-hidden": "true", "class": "tl-sw"});
  if (kind === "line") {
    s.appendChild(svgEl("line", {x1: 1, y1: 7, x2: 25, y2: 7, stroke: o.color, "stroke-width": o.weight,
      "stroke-dasharray": o.dash || "none"}));
  } else {
    (o.fills || [o.fill]).forEach(function (f, k, all) {
      var w = 24 / all.length;
      s.appendChild(svgEl("rect", {x: 1 + k * w, y: 1, width: w, height: 12, fill: f, "fill-opacity": o.opacity}));
    });
    s.appendChild(svgEl("rect", {x: 1, y: 1, width: 24, height: 12, fill: "none", stroke: o.color,
      "stroke-width": o.weight}));
  }
  return s;
}
// rows in the classes takeaway.js reads (ca-row, ca-ref-sample, ca-screen): the downloaded view's legend is
// read from this one (caLegendItems), as the atlas's is from its own
function legendRow(d, sw, text) {
  var r = el("div", "tl-row ca-row");
  r.appendChild(sw);
  r.appendChild(el("span", "", text));
  d.appendChild(r);
}
function lower(title) { return title.charAt(1) === title.charAt(1).toLowerCase() ? title.charAt(0).toLowerCase() + title.slice(1) : title; }
// the legend, in words: what a fill, a dashed line, a red part and a name stand for in an era's map
function legendRows(d, era) {
  var layer = DATA.layers[era.layer];
  legendRow(d, swatch("fill", {fills: DATA.palette.slice(0, 4), opacity: 0.6, color: "#555", weight: 1}),
    era.bodies + " " + lower(layer.title) + " (" + layer.vintage + "), one colour each; a body keeps its " +
    "colour in every era");
  era.lines.forEach(function (lid) {
    var l = DATA.layers[lid];
    legendRow(d, swatch("line", {color: "#222", weight: 1.6, dash: "5 3"}), l.title + " (" + l.vintage + ")");
  });
  var c = era.changes;
  if (c && c.parts.length) {
    legendRow(d, swatch("fill", {fill: MOVED.fillColor, opacity: MOVED.fillOpacity, color: MOVED.color, weight: 2}),
      "Parts that left their body since " + c.old_title);
  }
  var r = el("div", "tl-row ca-row");
  r.appendChild(el("span", "tl-name-sample ca-ref-sample", "Name"));
  var words = el("span", "", "Bodies named where the name fits");
  words.appendChild(el("span", "tl-screen ca-screen", "; hover or tap for any"));
  r.appendChild(words);
  d.appendChild(r);
}
// on the map, folded on a phone and side by side (the maps are narrow); printed beside the map instead
function fillLegend(view) {
  var d = view.legend, det = el("details", "tl-fold");
  d.textContent = "";
  det.open = !PHONE && box2.hidden;
  det.appendChild(el("summary", "", "Legend"));
  legendRows(det, ERAS[view.shown]);
  d.appendChild(det);
}
function printLegend(eras) {
  var sec = el("section", "tl-print-legend");
  sec.setAttribute("aria-hidden", "true");  // the maps' own legends say the same on screen
  eras.forEach(function (i) {
    sec.appendChild(el("h3", "", "Legend" + (eras.length > 1 ? ", " + ERAS[i].key : "")));
    legendRows(sec, ERAS[i]);
  });
  return sec;
}

// ------------------------------------------------------------------------------------------ labels
var measure = document.createElement("canvas").getContext("2d"), FONT = "600 11px system-ui,Arial,sans-serif";
function textWidth(s) { measure.font = FONT; return measure.measureText(s).width; }
function point(lp) { return L.latLng(lp[1] / SY, lp[0] / SX); }
// names where they fit inside their body (its label circle, labels.py): bodies that gained a moved part
// first, then the largest; a long name tries its short form ("Shropshire, T&W")
function updateLabels(view) {
  view.labels.clearLayers();
  if (view.shown === null) { return; }
  var era = ERAS[view.shown], layer = DATA.layers[era.layer], m = view.map;
  var bounds = m.getBounds().pad(0.05), size = m.getSize(), placed = [], first = {};
  (era.changes ? era.changes.parts : []).forEach(function (r) {  // "to" carries its vintage: "X (July 2022)"
    first[r.to] = first[r.to.replace(/ \([^()]*\)$/, "")] = true;
  });
  var order = layer.features.map(function (f, i) { return i; }).filter(function (i) { return layer.features[i].t; });
  order.sort(function (a, b) {
    var fa = layer.features[a], fb = layer.features[b];
    return (first[fb.name] ? 1 : 0) - (first[fa.name] ? 1 : 0) || fb.lr - fa.lr || a - b;
  });
  function free(q) {
    for (var k = 0; k < placed.length; k++) {
      var o = placed[k];
      if (q[0] < o[2] + 2 && q[2] + 2 > o[0] && q[1] < o[3] && q[3] > o[1]) { return false; }
    }
    return q[0] >= 0 && q[1] >= 0 && q[2] <= size.x && q[3] <= size.y;
  }
  if (picked && bounds.contains(L.latLng(picked.place.y, picked.place.x))) {  // a place found: named first
    var pl = L.latLng(picked.place.y, picked.place.x), pp = m.latLngToContainerPoint(pl), pw = textWidth(picked.name) + 6;
    placed.push([pp.x - pw / 2, pp.y - 8, pp.x + pw / 2, pp.y + 8]);
    addLabel(view, pl, [picked.name], pw, 15, "tl-label tl-place-label", "place");
  }
  order.forEach(function (i) {
    var f = layer.features[i], ll = point(f.lp);
    if (!f.lr || !bounds.contains(ll)) { return; }
    var r = f.lr / (40075016.686 * Math.cos(ll.lat * Math.PI / 180) / Math.pow(2, m.getZoom() + 8));
    var texts = f.ts ? [f.t, f.ts] : [f.t];
    for (var k = 0; k < texts.length; k++) {
      var lines = texts[k].split("\n"), w = 0;
      lines.forEach(function (s) { w = Math.max(w, textWidth(s)); });
      w += 6;
      var h = lines.length * 13 + 2;
      if (w > 3.4 * r || h > 2.4 * r) { continue; }  // the circle is the largest inside: a name may reach past it
      var p = m.latLngToContainerPoint(ll), q = [p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2];
      if (!free(q)) { continue; }
      placed.push(q);
      addLabel(view, ll, lines, w, h, "tl-label", f.code);
      return;
    }
  });
}
function addLabel(view, ll, lines, w, h, cls, code) {
  var d = el("div", cls);
  lines.forEach(function (s, n) { if (n) { d.appendChild(el("br")); } d.appendChild(document.createTextNode(s)); });
  d.setAttribute("aria-hidden", "true");
  d.setAttribute("data-code", code);
  view.labels.addLayer(L.marker(ll, {icon: L.divIcon({className: "tl-label-icon", html: d, iconSize: [w, h]}),
    interactive: false, keyboard: false}));
}

// ------------------------------------------------------------------------------------------ the panel
function dlRow(dl, term, value, id) {
  dl.appendChild(el("dt", "", term));
  var dd = el("dd", "", value);
  if (id) { dd.id = id; }
  dl.appendChild(dd);
}
function changesBlock(era, view, i, suffix) {
  var sec = el("section", "tl-changes");
  sec.id = "tl-changes" + suffix;
  var c = era.changes;
  if (!c) {
    sec.appendChild(el("h3", "", "What moved in " + era.key));
    sec.appendChild(el("p", "", "The first era: nothing before it."));
    return sec;
  }
  sec.appendChild(el("h3", "", "What moved in " + era.key + " since " + c.old_title));
  var counts = Object.keys(c.counts).map(function (k) { return c.counts[k] + " " + k; });
  sec.appendChild(el("p", "", counts.length ? "Parts compared by residents (" + c.new_title + " against " +
    c.old_title + "): " + counts.join(", ") + "." : "No boundary changed."));
  var listed = c.parts.slice(0, c.parts.length - c.more);
  if (listed.length) {
    var key = el("p", "tl-key", "Drawn in red on the map: parts that left their body.");
    key.appendChild(el("span", "tl-screen", " Choose one to zoom to it."));
    sec.appendChild(key);
    var ul = el("ul", "tl-moved-list");
    listed.forEach(function (r, n) {  // each part a button: the map zooms to it
      var li = el("li"), b = el("button", "tl-part");
      b.type = "button";
      b.setAttribute("data-part", String(n));
      b.appendChild(el("strong", "", r.from + " \u2192 " + r.to));
      b.appendChild(document.createTextNode(": " + r.people + " residents (" + r.share + " of its residents)" +
        (r["class"] === "moved parent" ? ", kept its code but changed parent" : "")));
      b.addEventListener("click", function () { zoomToPart(view, i, n); });
      li.appendChild(b);
      ul.appendChild(li);
    });
    sec.appendChild(ul);
    if (c.more) { sec.appendChild(el("p", "", "and " + c.more + " more parts, drawn on the map.")); }
  } else {
    sec.appendChild(el("p", "", "No part left its body: bodies merged, split whole or kept their shape."));
  }
  return sec;
}
function describe(i, suffix, side) {
  var era = ERAS[i], layer = DATA.layers[era.layer], sec = el("section", "tl-era-about");
  sec.appendChild(el("h2", "", (side ? side + ": " : "") + era.label));
  var dl = el("dl", "tl-figures");
  dlRow(dl, "Bodies", String(era.bodies) + " " + lower(layer.title), "tl-count" + suffix);
  dlRow(dl, "Median size", era.median_text + " residents", "tl-median" + suffix);
  dlRow(dl, "Coterminous", era.coterminous_text, "tl-coterminous" + suffix);
  sec.appendChild(dl);
  return sec;
}
// what differs between the two eras side by side, computed for every pair (era_pairs.py), in date order
function difference(i, j) {
  var a = ERAS[Math.min(i, j)].key, b = ERAS[Math.max(i, j)].key;
  var sec = el("section", "tl-diff");
  sec.appendChild(el("h3", "", "What differs between " + ERAS[i].key + " and " + ERAS[j].key));
  var text = i === j ? "Both maps show " + a + ": nothing differs." : DATA.pairs[a + "|" + b].text;
  var p = el("p", "", text);
  p.id = "tl-diff";
  sec.appendChild(p);
  return sec;
}
var chartBox = el("section", "tl-chart");
function drawPanel() {
  var two = compare.checked, j = Number(other.value);
  if (picked && picked.popup && picked.popup.isOpen()) { picked.popup.setContent(placeEl()); }
  while (panel.firstChild) { panel.removeChild(panel.firstChild); }
  var shown = two && j !== current ? [current, j] : [current];
  panel.appendChild(describe(current, "", two ? "Left" : ""));
  if (two) {
    panel.appendChild(describe(j, "-2", "Right"));
    panel.appendChild(difference(current, j));
  }
  panel.appendChild(printLegend(shown));
  panel.appendChild(changesBlock(ERAS[current], A, current, ""));
  if (two && j !== current) { panel.appendChild(changesBlock(ERAS[j], B, j, "-2")); }
  panel.appendChild(chartBox);
  markChart(ERAS[current].layer);
  shown.forEach(function (k) { panel.appendChild(el("p", "tl-source", DATA.layers[ERAS[k].layer].source)); });
  // two maps side by side on a phone are too narrow for their attributions: the panel carries it (timeline.css)
  panel.appendChild(el("p", "tl-source tl-attrib", DATA.attribution));
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

// ------------------------------------------------------------------------------------------ search
// towns, places and every neighbourhood (places.js), found as on the atlas (search.js): the map zooms there,
// outlines and names the place, and its popup lists what each era shown has at its centre, each body dated
var PLACES = DATA.places || null, found = caPlaces(PLACES), locate = caLocator(ARCS, decode), picked = null;
function placeEl() {
  var p = picked.place, ll = L.latLng(p.y, p.x), rows = [];
  shownEras().forEach(function (i) {
    [ERAS[i].layer].concat(ERAS[i].lines).forEach(function (lid) {
      var layer = DATA.layers[lid], hits = locate(DATA.geometry[lid], ll);
      if (hits.length) {
        rows.push({title: ERAS[i].key + ": " + layer.title + " (" + layer.vintage + ")", items: hits.map(function (n) {
          return {text: layer.features[n].name + " (" + layer.vintage + ")"}; })});
      }
    });
  });
  return caPlaceEl(p, rows, PLACES.source);
}
function shownEras() {
  var j = Number(other.value);
  return compare.checked && j !== current ? [current, j] : [current];
}
function markPlace(view) {  // the place's box on a map (dashed), or none
  if (view.placeBox) { view.map.removeLayer(view.placeBox); view.placeBox = null; }
  if (!picked) { return; }
  var p = picked.place;
  view.placeBox = L.rectangle([[p.y - p.r, p.x - p.r], [p.y + p.r, p.x + p.r]], {renderer: view.renderer,
    color: "#000", weight: 2, dashArray: "6 4", fill: false, interactive: false, className: "tl-place"}).addTo(view.map);
}
function pickPlace(e, keepView) {
  var p = e.place;
  if (picked && picked.popup) { var old = picked.popup; picked = null; A.map.closePopup(old); }
  picked = e;
  if (!keepView) { A.map.fitBounds([[p.y - p.r, p.x - p.r], [p.y + p.r, p.x + p.r]], {maxZoom: 12, animate: false}); }
  [A, B].forEach(function (v) { if (v) { markPlace(v); updateLabels(v); } });
  // on a phone narrow enough to sit right of the zoom buttons and the folded legend, panned clear of them and
  // of the era tag
  e.popup = L.popup({maxWidth: Math.min(380, window.innerWidth - (PHONE ? 150 : 60)), className: "tl-place-popup",
    autoPanPaddingTopLeft: PHONE ? [84, 48] : [20, 48], autoPanPaddingBottomRight: [20, 20]})
    .setLatLng([p.y, p.x]).setContent(placeEl());
  e.popup.on("remove", function () {  // closed: the place is let go
    if (picked !== e) { return; }
    picked = null;
    [A, B].forEach(function (v) { if (v) { markPlace(v); updateLabels(v); } });
    writeHash();
  });
  e.popup.openOn(A.map);
  writeHash();
  return e.name;
}
function findPlaces(q) {  // towns before places before single neighbourhoods where they match alike
  return caMatches(found.entries, q, function (e) { return e.place.hood ? 0.2 : e.place.district ? 0.1 : 0; });
}
var searchBox = el("div", "tl-search ca-search");
searchBox.setAttribute("role", "search");
caSearchField(searchBox, {id: "tl-search-input", placeholder: "Find a town or neighbourhood",
  label: "Find a town, place or neighbourhood", none: "No town, place or neighbourhood of that name",
  find: findPlaces,
  pick: function (e) { searchBox.querySelector("ul").textContent = ""; pickPlace(e); },  // the list folds away
  what: function (e) { return e.note; }});
if (PLACES) { control.appendChild(searchBox); }

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
  yearMarks.forEach(function (y, k) { y.className = "tl-year" + (k === i ? " tl-year-now" : ""); });
  placeYears();
  show(A, i);
  drawPanel();
  writeHash();
}
// the address keeps the eras and, once the map is moved off the whole of England, its zoom and centre, so
// a copied link opens what you see: #era=2022&beside=2021&z=9.5&c=53.4500,-1.9000
var printing = false;
function writeHash() {
  if (printing) { return; }  // the printed page's fitted view is not the reader's
  var h = "#era=" + encodeURIComponent(ERAS[current].key) + (compare.checked ?
    "&beside=" + encodeURIComponent(ERAS[Number(other.value)].key) : "");
  if (!showsEngland(A)) {
    var c = A.map.getCenter();
    h += "&z=" + Math.round(A.map.getZoom() * 100) / 100 + "&c=" + c.lat.toFixed(4) + "," + c.lng.toFixed(4);
  }
  if (picked) { h += "&p=" + encodeURIComponent(picked.code); }
  if (location.hash !== h && window.history && history.replaceState) { history.replaceState(null, "", h); }
}
A.map.on("moveend", writeHash);
// a malformed escape in a hand-edited URL (#era=%) is ignored, never an exception that stops the page
function safeDecode(s) { try { return decodeURIComponent(s); } catch (ignored) { return null; } }
function readHash() {
  var out = {};
  location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
    var p = kv.split("=");
    var value = p.length === 2 ? safeDecode(p[1]) : null;
    if (value === null) { return; }
    if (p[0] === "era" || p[0] === "beside") {
      ERAS.forEach(function (e, n) { if (e.key === value) { out[p[0]] = n; } });
    } else if (p[0] === "z" && /^\d+(\.\d+)?$/.test(value) && Number(value) <= 18) {
      out.z = Number(value);
    } else if (p[0] === "p") {
      out.p = value;
    } else if (p[0] === "c") {
      var c = value.split(",").map(Number);
      if (c.length === 2 && Math.abs(c[0]) <= 85 && Math.abs(c[1]) <= 180) { out.c = c; }
    }
  });
  return out;
}
function resized() {  // a map whose size changed keeps England whole if it showed England whole
  if (printing) { return; }  // toPrint fits the printed page
  [A, B].forEach(function (v) {
    if (!v || (v === B && box2.hidden)) { return; }
    var whole = showsEngland(v);
    v.map.invalidateSize({animate: false});
    if (whole && v === A) { fitEngland(v); }
  });
  if (B && !box2.hidden) { B.map.setView(A.map.getCenter(), A.map.getZoom(), {animate: false}); }
  placeYears();
}
function setCompare() {
  var whole = showsEngland(A);
  box2.hidden = !compare.checked;
  other.disabled = !compare.checked;
  maps.className = "tl-maps" + (compare.checked ? " tl-two" : "");
  if (compare.checked && !B) {
    B = makeMap(box2);
    sync(B, function () { return A; });
    markPlace(B);
  }
  A.map.invalidateSize({animate: false});
  if (whole) { fitEngland(A); }  // each map fits its own half
  fillLegend(A);
  if (compare.checked) {
    B.map.invalidateSize({animate: false});
    B.map.setView(A.map.getCenter(), A.map.getZoom(), {animate: false});
    show(B, Number(other.value));
  }
  drawPanel();
  writeHash();
}
slider.addEventListener("input", function () { setEra(Number(slider.value)); });
prev.addEventListener("click", function () { setEra(current - 1); });
next.addEventListener("click", function () { setEra(current + 1); });
compare.addEventListener("change", setCompare);
other.addEventListener("change", function () { if (B) { show(B, Number(other.value)); drawPanel(); writeHash(); } });
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
  new ResizeObserver(resized).observe(maps);
} else {
  window.addEventListener("resize", resized);
}
function applyView(h) {
  var view = h.z !== undefined && h.c;
  if (view) { A.map.setView(h.c, h.z, {animate: false}); }
  var e = h.p && found.entries.filter(function (x) { return x.code === h.p; })[0];
  if (e) { pickPlace(e, view); }
}
var start = readHash();
other.value = String(start.beside !== undefined ? start.beside : Math.max(0, ERAS.length - 1));
other.disabled = true;
setEra(start.era || 0);
if (start.beside !== undefined) { compare.checked = true; setCompare(); }
applyView(start);
placeYears();
window.addEventListener("hashchange", function () {  // an address edited by hand
  var h = readHash();
  if (h.beside !== undefined) { other.value = String(h.beside); compare.checked = true; setCompare(); }
  if (h.era !== undefined) { setEra(h.era); }
  applyView(h);
});
// ------------------------------------------------------------------------------------------ take it away
// "Share and download" (takeaway.js): the link to this era, the map as SVG or PNG with its title, legend and
// sources, the era's bodies as CSV
function eraLegend() {  // map A's legend as shown (takeaway.js reads it, as it reads the atlas's)
  return caLegendItems(A.legend.querySelector("details"));
}
function eraTable() {
  var era = ERAS[current], layer = DATA.layers[era.layer];
  return {name: "timeline-" + era.key, header: ["era", "code", "name", "residents (" + layer.basis + ")"],
    rows: layer.features.map(function (f) {
      var pop = /^[\d,]+$/.test(String(f.pop)) ? Number(String(f.pop).replace(/,/g, "")) : f.pop || null;
      return [era.label, f.code, f.name, pop];
    })};
}
head.appendChild(caShareBox({name: "timeline", map: function () { return A.map; }, csv: eraTable,
  link: function () { writeHash(); return String(location.href); },
  view: function () {
    return {title: DATA.title + ": " + ERAS[current].label, legend: eraLegend(), background: "#dfe8f1",
      attribution: [DATA.attribution, "Sources: " + DATA.sources.join("; "), "Drawn by Commissioning Atlas from timeline.html"]};
  }}));

// ------------------------------------------------------------------------------------------ print
// England whole on the sheet (timeline.css lays out A4), with the legend open, when the screen showed it whole;
// a closer view is printed as the screen showed it. Chromium fires beforeprint while the screen's layout still
// holds, and the print media query once the page's does.
var screenView = null;
function toPrint() {
  if (!screenView) {
    screenView = {c: A.map.getCenter(), z: A.map.getZoom(), whole: showsEngland(A), open: []};
    document.querySelectorAll(".tl-legend details").forEach(function (x) {
      screenView.open.push([x, x.open]);
      x.open = true;
    });
  }
  printing = true;
  syncing = true;  // each map fits its own half of the sheet (their sizes differ by a border)
  [A, B].forEach(function (v) {
    if (!v || (v === B && box2.hidden)) { return; }
    v.map.invalidateSize({animate: false});
    v.map.options.zoomSnap = 0;
    if (screenView.whole) { v.map.fitBounds(ENGLAND, {animate: false, padding: [4, 4]}); }
    else { v.map.setView(screenView.c, screenView.z, {animate: false}); }
    v.map.options.zoomSnap = 0.25;
    updateLabels(v);
  });
  syncing = false;
}
function fromPrint() {
  if (!screenView) { return; }
  var v = screenView;
  screenView = null;
  v.open.forEach(function (x) { x[0].open = x[1]; });
  syncing = true;
  [A, B].forEach(function (w) {
    if (!w || (w === B && box2.hidden)) { return; }
    w.map.invalidateSize({animate: false});
    w.map.setView(v.c, v.z, {animate: false});
  });
  syncing = false;
  printing = false;
}
window.addEventListener("beforeprint", toPrint);
window.addEventListener("afterprint", fromPrint);
var printMedia = window.matchMedia && window.matchMedia("print");
if (printMedia && printMedia.addEventListener) {
  printMedia.addEventListener("change", function (ev) { if (ev.matches) { toPrint(); } else { fromPrint(); } });
}
// for tests and the console: the Leaflet maps (the right one once side by side is on)
window.caTimeline = {maps: function () { return [A.map, B && !box2.hidden ? B.map : null]; }, bounds: DATA.bounds,
  england: function (m) { return m.getBounds().contains(ENGLAND); },
  view: function () { return caViewSvg(A.map, {title: DATA.title + ": " + ERAS[current].label, legend: eraLegend(),
    attribution: [DATA.attribution]}); }, table: eraTable,
  matches: function (q) { return findPlaces(q).map(function (e) { return [e.name, e.code]; }); },
  labels: function () { return Array.prototype.map.call(document.querySelectorAll(".tl-label"), function (x) {
    return x.textContent; }); }};
document.documentElement.setAttribute("data-ca-ready", "1");
})();
