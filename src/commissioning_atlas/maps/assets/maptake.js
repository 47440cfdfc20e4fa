// The atlas and check pages' "Share and download" and their towns and places, read by map.js (inlined after
// takeaway.js where the page offers them; a page without it, the CCG map of the API, stays within its budget).
// caMapTakeaway(c) is handed map.js's map, data and helpers as `c`; it returns what window.commissioningAtlas
// adds (defuse, csv, table, view).
/* exported caMapTakeaway */
function caMapTakeaway(c) {
"use strict";
var map = c.map;

// towns (ONS major towns and cities) and places named by neighbourhoods (House of Commons Library MSOA
// names: places.js), found by the search after the layers' own names (each entry selects itself); towns are
// named on the map when zoomed out (c.towns)
var PLACES = c.DATA.places || null, found = caPlaces(PLACES), at = caLocator(c.ARCS, c.decode);
found.towns.forEach(function (t) { c.towns.push(t); });
found.entries.forEach(function (e) {
  e.select = function (open, keepView) { return selectPlace(e, open, keepView); };
  c.entries.push(e);
});
function placeEl(entry, ll) {  // a town or place: what it is, and what each layer has at its centre, dated
  return caPlaceEl(entry.place, c.LAYERS.map(function (layer) {
    return {title: layer.title, items: at(c.DATA.geometry[layer.geometry] || [], ll).map(function (i) {
      return {text: layer.features[i].name + (layer.vintage ? " (" + layer.vintage + ")" : ""), pick: function () {
        var e = c.entries.filter(function (x) { return x.layer === layer && x.i === i; })[0];
        if (e) { c.select(e); }
      }};
    })};
  }).filter(function (row) { return row.items.length; }), PLACES.source);
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
function legendItems() {  // the legend as shown (takeaway.js), and a check's keyed list, for the drawn copy
  var out = caLegendItems(c.legend());
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
