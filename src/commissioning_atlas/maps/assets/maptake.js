// The atlas and check pages' "Share and download" and their towns and places, read by map.js (inlined after
// takeaway.js where the page offers them; a page without it, the CCG map of the API, stays within its budget).
// caMapTakeaway(c) is handed map.js's map, data and helpers as `c`; it returns what window.commissioningAtlas
// adds (defuse, csv, table, view).
/* exported caMapTakeaway */
function caMapTakeaway(c) {
"use strict";
var map = c.map;
function add(e) { e.lower = c.norm(e.name); e.select = function (open, keepView) { return selectPlace(e, open, keepView); }; c.entries.push(e); }

// towns (ONS major towns and cities) and places named by neighbourhoods (House of Commons Library MSOA
// names), found by the search after the layers' own names (each entry selects itself); towns are named on
// the map when zoomed out (c.towns)
var PLACES = c.DATA.places || null;
if (PLACES) {
  (PLACES.towns || []).forEach(function (t) {
    var town = {name: t[0], x: t[1] / 1000, y: t[2] / 1000, r: t[3] / 1000, n: t[4]};
    c.towns.push(town);
    add({name: town.name, place: town, code: "town:" + town.name, note: "town or city, " + town.n + " neighbourhoods"});
  });
  var P = PLACES.places, k = 0, px = 0, py = 0, names = P ? P.names.split("|") : [];
  (P ? P.per : []).forEach(function (count, di) {  // columns by district, each centre a step from the last
    for (var j = 0; j < count; j++, k++) {
      px += P.dx[k]; py += P.dy[k];
      var place = {name: names[k], district: PLACES.districts[di], x: px * P.step / 1000, y: py * P.step / 1000,
        r: P.r[k] * P.step / 1000, n: P.n[k]};
      add({name: place.name, place: place, code: "place:" + place.district + ":" + place.name,
        note: place.n + " neighbourhoods in " + place.district});
    }
  });
}

// point in polygon over the page's arcs: each arc's box once, then the rings of the features whose box holds it
var ARC_BOX = [];
function arcBox(a) {
  if (!ARC_BOX[a]) {
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    c.ARCS[a].forEach(function (p) { b[0] = Math.min(b[0], p[0]); b[1] = Math.min(b[1], p[1]); b[2] = Math.max(b[2], p[0]); b[3] = Math.max(b[3], p[1]); });
    ARC_BOX[a] = b;
  }
  return ARC_BOX[a];
}
function featuresAt(layer, ll) {  // indices of the layer's features holding the point
  var geoms = c.DATA.geometry[layer.geometry] || [], out = [];
  if (!layer.boxes) {
    layer.boxes = geoms.map(function (g) {
      var b = [Infinity, Infinity, -Infinity, -Infinity];
      c.eachArc([g], function (a) { var q = arcBox(a); b = [Math.min(b[0], q[0]), Math.min(b[1], q[1]), Math.max(b[2], q[2]), Math.max(b[3], q[3])]; });
      return b;
    });
  }
  geoms.forEach(function (g, i) {
    var b = layer.boxes[i];
    if (ll.lat < b[0] || ll.lat > b[2] || ll.lng < b[1] || ll.lng > b[3]) { return; }
    var inside = false;
    c.decode(g).forEach(function (poly) { poly.forEach(function (ring) {
      for (var j = 0, k = ring.length - 1; j < ring.length; k = j++) {
        var a = ring[j], c = ring[k];
        if ((a[0] > ll.lat) !== (c[0] > ll.lat) && ll.lng < (c[1] - a[1]) * (ll.lat - a[0]) / (c[0] - a[0]) + a[1]) { inside = !inside; }
      }
    }); });
    if (inside) { out.push(i); }
  });
  return out;
}
function placeEl(entry, ll) {  // a town or place: what it is, and what each layer has at its centre
  var p = entry.place, d = el("div", "ca-popup");
  d.appendChild(el("h2", null, p.name));
  d.appendChild(el("div", "ca-sub", p.district ? "Place named by " + p.n + " neighbourhoods (MSOAs of 2011) in " + p.district :
    "Major town or city (ONS, 2015): " + p.n + " neighbourhoods (MSOAs of 2011)"));
  d.appendChild(el("p", "ca-sentence", "At its centre:"));
  var t = el("table");
  c.LAYERS.forEach(function (layer) {
    var hits = featuresAt(layer, ll);
    if (!hits.length) { return; }
    var tr = el("tr"), td = el("td");
    tr.appendChild(el("th", null, layer.title));
    hits.forEach(function (i, n) {
      if (n) { td.appendChild(document.createTextNode("; ")); }
      var b = el("button", "ca-link", layer.features[i].name); b.type = "button";
      b.addEventListener("click", function () {
        var e = c.entries.filter(function (x) { return x.layer === layer && x.i === i; })[0];
        if (e) { c.select(e); }
      });
      td.appendChild(b);
    });
    tr.appendChild(td); t.appendChild(tr);
  });
  d.appendChild(t);
  var s = el("p", "ca-source"); c.linkify(s, "Source: " + PLACES.source); d.appendChild(s);
  return d;
}
function selectPlace(entry, open, keepView) {
  var p = entry.place, ll = L.latLng(p.y, p.x);
  var bounds = L.latLngBounds([p.y - p.r, p.x - p.r], [p.y + p.r, p.x + p.r]);
  c.mark(entry, L.rectangle(bounds, {renderer: c.renderer, color: "#000000", weight: 2, dashArray: "6 4", fill: false,
    interactive: false, className: "ca-highlight"}).addTo(map));
  if (!keepView) { map.fitBounds(bounds, {maxZoom: 12, animate: false}); }
  if (open !== false) {
    entry.popup = L.popup(c.popupOptions()).setLatLng(ll).setContent(placeEl(entry, ll));
    entry.popup.options.caClear = !keepView;
    entry.popup.openOn(map);
  }
  c.writeHash();
  return entry.name;
}

// ------------------------------------------------------------------------------------------ take it away
// "Share and download" (takeaway.js): the link to this view, the view as SVG or PNG with its title, legend
// and sources, the shown layer or the findings as CSV
function pageName() {
  var m = /([^/\\]+?)(\.html?)?$/.exec(decodeURIComponent(location.pathname || ""));
  return (m && m[1] ? m[1] : "map").replace(/[^A-Za-z0-9_.-]+/g, "-");
}
function legendItems() {  // the legend as shown, and a check's keyed list, for the drawn copy
  var out = [];
  var legendBody = c.legend();
  Array.prototype.forEach.call(legendBody ? legendBody.children : [], function (n) {
    var cls = n.classList;
    if (n.tagName === "H3") { out.push({h: n.textContent}); }
    else if (cls.contains("ca-by")) {
      var sel = n.querySelector("select");
      out.push({text: sel ? "Coloured by " + sel.options[sel.selectedIndex].text : n.textContent});
    } else if (cls.contains("ca-bar")) {
      var bar = [], sws = n.querySelectorAll(".ca-bar-sw"), labels = n.querySelectorAll(".ca-bar-label");
      for (var i = 0; i < sws.length; i++) { bar.push([sws[i].style.backgroundColor, labels[i].textContent]); }
      out.push({bar: bar});
    } else if (cls.contains("ca-row")) {
      var sw = n.querySelector("svg"), text = Array.prototype.map.call(n.querySelectorAll("span"), function (x) {
        return x.textContent; }).join(" ");
      out.push({row: text, swatch: sw});
    } else if (cls.contains("ca-drawn")) { out.push({text: n.textContent}); }
    else if (cls.contains("ca-unshaped")) { out.push({text: n.querySelector("summary").textContent + ": listed on the page"}); }
  });
  var key = c.flaggedKey(), FINDING = c.FINDING, flagLayer = FINDING && c.LAYERS.filter(function (l) { return l.id === FINDING.layer; })[0];
  if (key.length && flagLayer) {
    out.push({h: "Flagged, numbered as on the map"});
    key.forEach(function (item, n) {
      out.push({text: (n + 1) + ". " + String(flagLayer.features[item[0]].t).replace(/\n/g, " ") +
        (item[1] ? " \u2013 " + item[1] : "")});
    });
  }
  return out;
}
function figureCell(v) {  // a figure as the popup writes it ("1,343,601") without its separators; other text stays
  return FIGURE.test(v) ? v.replace(/,/g, "") : v;
}
var FIGURE = /^-?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$/;
function tableOf(features, first, head) {  // first columns, then every popup row's label in order met
  var labels = [], seen = {};
  features.forEach(function (f) {
    (f.rows || []).forEach(function (r) { if (!seen[r[0]]) { seen[r[0]] = true; labels.push(r[0]); } });
  });
  return {header: head.concat(labels), rows: features.map(function (f, i) {
    var by = {};
    (f.rows || []).forEach(function (r) { by[r[0]] = figureCell(r[1]); });
    return first(f, i).concat(labels.map(function (k) { return by[k] === undefined ? null : by[k]; }));
  })};
}
function shownTable() {  // the findings when shown (a check), else the coloured layer, else the top line layer
  var FINDINGS = c.FINDINGS;
  if (FINDINGS && map.hasLayer(c.groups.findings)) {
    var all = FINDINGS.features.concat(FINDINGS.unshaped || []);
    var t = tableOf(all, function (f) {
      var p = f.p || {};
      return [f.name, f.sev, p.rule || null, p["class"] || null, p.subject_code || null, p.against_code || null,
        f.sentence || null, FINDINGS.unshaped.indexOf(f) < 0 ? "yes" : "no"];
    }, ["finding", "severity", "rule", "class", "subject_code", "against_code", "sentence", "drawn"]);
    t.name = pageName() + "-findings";
    return t;
  }
  var layer = c.subject() || c.LAYERS.filter(function (l) { return map.hasLayer(c.groups[l.id]); }).pop() || c.LAYERS[0];
  var out = tableOf(layer.features, function (f, i) { return [layer.codes[i], f.name]; }, ["code", "name"]);
  out.name = pageName() + "-" + layer.id;
  return out;
}
function viewOptions() {
  var DATA = c.DATA;
  return {title: DATA.title, sentence: c.FINDING ? c.FINDING.sentence : (DATA.whatif ? "What-if: a proposal of your own, not a real boundary" : null),
    legend: legendItems(), background: window.getComputedStyle(map.getContainer()).backgroundColor,
    attribution: [DATA.attribution + (DATA.tiles ? " " + DATA.tiles.attribution : ""),
      "Sources: " + DATA.sources.join("; "), "Drawn by Commissioning Atlas from " + pageName() + ".html"]};
}
// on a phone at the foot, left, where a popup never goes (its bottom margin), titled "Share"
var PHONE = window.matchMedia && window.matchMedia("(max-width: 600px)").matches;
var Share = L.Control.extend({options: {position: PHONE ? "bottomleft" : "topleft"}, onAdd: function () {
  var d = c.box("ca-take-box", "Share and download");
  d.appendChild(caShareBox({name: pageName(), compact: PHONE, map: function () { return map; }, view: viewOptions, csv: shownTable,
    link: function () { return String(location.href).split("#")[0] + "#" + c.stateString(); }}));
  return d; }});
new Share().addTo(map);


return {defuse: caDefuse, csv: caCsv, table: shownTable, view: function () { return caViewSvg(map, viewOptions()); }};
}
