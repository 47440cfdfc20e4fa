// Commissioning Atlas planner page: click units into groups; every check is recomputed after each edit.
// The page's data (the "ca-data" JSON block, maps/planner.py) hold each unit's people, the unit adjacency and
// sparse unit x council and unit x region tables: a group's figures are sums over its units, so one function
// (evaluate) recomputes all of them from the plan, with no incremental bookkeeping. It judges a council split
// and a region crossing exactly as `check` does (parts under the tolerance share ignored).
// Plain ES5. Table text and every name a user types or imports only ever goes through textContent.
(function () {
"use strict";
var DATA = JSON.parse(document.getElementById("ca-data").textContent);
var SX = DATA.scale[0], SY = DATA.scale[1], U = DATA.units, N = U.codes.length, PAL = DATA.palette;
var TOL = DATA.tolerance, SPLIT = DATA.split_rule, CODE_OK = /^[A-Za-z0-9_.-]{1,40}$/;

// ------------------------------------------------------------------------------------------ fixed structure
var UNIT_OF = {};  // upper-case code -> unit index
U.codes.forEach(function (c, i) { UNIT_OF[c.toUpperCase()] = i; });
var LAND_NB = [], ALL_NB = [], LINKED = {};  // neighbours by shared edge; and with the islands' links
for (var i0 = 0; i0 < N; i0++) { LAND_NB.push([]); ALL_NB.push([]); }
for (var e = 0; e < DATA.adjacency.length; e += 2) {
  var ea = DATA.adjacency[e], eb = DATA.adjacency[e + 1];
  LAND_NB[ea].push(eb); LAND_NB[eb].push(ea); ALL_NB[ea].push(eb); ALL_NB[eb].push(ea);
}
DATA.links.forEach(function (l) { ALL_NB[l.a].push(l.b); ALL_NB[l.b].push(l.a); LINKED[l.a + "," + l.b] = l; });
function basisById(id) { return DATA.bases.filter(function (b) { return b.id === id; })[0]; }
function residentBases() { return DATA.bases.filter(function (b) { return !b.registered; }); }
// a basis held per unit, not per LSOA (registered patients, May 2022): the size rule reads it; councils and
// regions, whose parts are cut by LSOAs, keep counting the page's LSOA basis
var LSOA_BASIS = DATA.lsoa_basis;
var REGISTERED = DATA.bases.filter(function (b) { return b.registered; })[0] || null;

// ------------------------------------------------------------------------------------------ the plan
// state: groups [{code, name, locked}], assign[u] = group index or -1; history of snapshots for undo/redo
var state = {groups: [], assign: []}, past = [], future = [];
var view = {basis: DATA.basis, threshold: DATA.threshold, active: -1};
function snapshot(s) {
  return {groups: s.groups.map(function (g) { return {code: g.code, name: g.name, locked: !!g.locked}; }),
    assign: s.assign.slice()};
}
function newCode(groups) {
  var taken = {}, n = 1;
  groups.forEach(function (g) { taken[g.code] = true; });
  while (taken["G" + n]) { n++; }
  return "G" + n;
}

// ------------------------------------------------------------------------------------------ the checks
function zeros(n, v) { var out = new Array(n); for (var j = 0; j < n; j++) { out[j] = v; } return out; }
function people(n) { return n === null || n === undefined ? "n/a" : Math.round(n).toLocaleString("en-GB"); }
function plural(n, one, many) { return n.toLocaleString("en-GB") + " " + (n === 1 ? one : (many || one + "s")); }
function threshold() { return DATA.thresholds.filter(function (t) { return t.id === view.threshold; })[0]; }

// evaluate(plan, options): every figure and finding of a plan, recomputed from scratch
function evaluate(plan, opt) {
  var G = plan.groups.length, a = plan.assign, b = basisById(opt.basis), t = opt.threshold;
  var lb = b.held ? basisById(LSOA_BASIS) : b, held = zeros(G, 0);
  var pop = zeros(G, 0), area = zeros(G, 0), size = zeros(G, 0), reg = [], u, g, k;
  var unassigned = [];
  for (g = 0; g < G; g++) { reg.push(REGISTERED ? 0 : null); }
  for (u = 0; u < N; u++) {
    g = a[u];
    if (g < 0) { unassigned.push(u); continue; }
    pop[g] += lb.pop[u]; area[g] += U.area[u]; size[g]++;
    if (b.held) { held[g] += b.pop[u]; }
    if (REGISTERED && reg[g] !== null) { reg[g] = REGISTERED.pop[u] === null ? null : reg[g] + REGISTERED.pop[u]; }
  }
  // size against the threshold: a registered threshold counts patients where held (as check does)
  var groups = [];
  for (g = 0; g < G; g++) {
    var useReg = t && t.basis === "registered" && REGISTERED && reg[g] !== null;
    var p = useReg ? reg[g] : (b.held ? held[g] : pop[g]);
    var low = t && t.min !== null && p < t.min, high = t && t.max !== null && p > t.max;
    groups.push({index: g, pop: pop[g], held: b.held ? held[g] : null, reg: REGISTERED ? reg[g] : null, sized: p,
      sizedBasis: useReg ? REGISTERED.label : b.label, area: area[g], units: size[g],
      low: !!low, high: !!high, pieces: 0, linked: [], crossing: [], home: -1, empty: size[g] === 0});
  }
  // contiguity: pieces of each group over shared edges, then over the islands' links as well
  var seen = zeros(N, -1), stack = [];
  function pieces(nb, mark) {
    var count = zeros(G, 0);
    for (var s = 0; s < N; s++) {
      if (a[s] < 0 || seen[s] === mark) { continue; }
      count[a[s]]++; seen[s] = mark; stack.push(s);
      while (stack.length) {
        var x = stack.pop(), list = nb[x];
        for (var j = 0; j < list.length; j++) {
          var y = list[j];
          if (seen[y] !== mark && a[y] === a[x]) { seen[y] = mark; stack.push(y); }
        }
      }
    }
    return count;
  }
  var land = pieces(LAND_NB, 1), joined = pieces(ALL_NB, 2);
  for (g = 0; g < G; g++) { groups[g].pieces = joined[g]; groups[g].landPieces = land[g]; }
  DATA.links.forEach(function (l) {
    if (a[l.a] >= 0 && a[l.a] === a[l.b] && land[a[l.a]] > 1) { groups[a[l.a]].linked.push(l); }
  });
  // councils split: parts (council x group) summed over the sparse unit x council table
  var C = DATA.councils, cpop = C.part[lb.id], carea = C.part.area, parts = {};
  for (k = 0; k < C.u.length; k++) {
    g = a[C.u[k]];
    if (g < 0) { continue; }
    var key = C.o[k] * (G + 1) + g, q = parts[key];
    if (!q) { q = parts[key] = {c: C.o[k], g: g, pop: 0, area: 0}; }
    q.pop += cpop[k]; q.area += carea[k];
  }
  var byCouncil = {};
  Object.keys(parts).forEach(function (key) { var q = parts[key]; (byCouncil[q.c] = byCouncil[q.c] || []).push(q); });
  // check's split rule: a council is split when a part beyond its largest is large enough (SPLIT)
  var splits = [], codeOf = function (g) { return plan.groups[g].code; };
  Object.keys(byCouncil).forEach(function (c) {
    var list = byCouncil[c];
    if (list.length < 2) { return; }
    list.sort(function (x, y) {
      return y.pop - x.pop || y.area - x.area || (codeOf(x.g) < codeOf(y.g) ? -1 : codeOf(x.g) > codeOf(y.g) ? 1 : 0);
    });
    var split = false;
    list.forEach(function (q, i) {
      var tp = C.total[lb.id][q.c], share = tp > 0 ? q.pop / tp : 0;
      var big = SPLIT.by === "area-or-residents" ? share >= SPLIT.share || q.area >= SPLIT.share * C.total.area[q.c] :
        share >= SPLIT.share && q.pop >= SPLIT.people;
      q.sig = i === 0 || big;
      if (i > 0 && big) { split = true; }
    });
    if (split) { splits.push({council: +c, parts: list}); }
  });
  splits.sort(function (x, y) { return x.council - y.council; });
  // region lines: each group's home is the region holding most of its people (ties: the first code);
  // a part beyond it holding the tolerance share of the group's area or people crosses
  var R = DATA.regions, rpop = R.part[lb.id], rarea = R.part.area, rparts = {};
  for (k = 0; k < R.u.length; k++) {
    g = a[R.u[k]];
    if (g < 0) { continue; }
    var rk = g * R.codes.length + R.o[k], r = rparts[rk];
    if (!r) { r = rparts[rk] = {g: g, r: R.o[k], pop: 0, area: 0}; }
    r.pop += rpop[k]; r.area += rarea[k];
  }
  var byGroup = {};
  Object.keys(rparts).forEach(function (key) { var r = rparts[key]; (byGroup[r.g] = byGroup[r.g] || []).push(r); });
  Object.keys(byGroup).forEach(function (gk) {
    var list = byGroup[gk], grp = groups[+gk], home = list[0];
    list.forEach(function (r) { if (r.pop > home.pop || (r.pop === home.pop && r.r < home.r)) { home = r; } });
    grp.home = home.r;
    list.forEach(function (r) {
      var share = grp.pop > 0 ? r.pop / grp.pop : 0;
      if (r !== home && (r.area >= TOL * grp.area || share >= TOL)) { grp.crossing.push(r); }
    });
    grp.crossing.sort(function (x, y) { return y.pop - x.pop || x.r - y.r; });
  });
  groups.forEach(function (grp) {
    grp.fails = (grp.low || grp.high ? 1 : 0) + (grp.pieces > 1 ? 1 : 0) + (grp.crossing.length ? 1 : 0);
  });
  return {groups: groups, splits: splits, unassigned: unassigned, basis: b, lineBasis: lb, threshold: t};
}

function summaryText(res) {
  var gs = res.groups.filter(function (g) { return !g.empty; }), t = res.threshold, out = [];
  out.push(plural(gs.length, "group"));
  if (t) {
    var low = gs.filter(function (g) { return g.low; }), high = gs.filter(function (g) { return g.high; });
    if (t.min !== null) {
      out.push((low.length ? plural(low.length, "group") : "none") + " under " + people(t.min) +
        " (" + (gs[0] ? gs[0].sizedBasis : res.basis.label) + ")");
    }
    if (t.max !== null) { out.push((high.length ? plural(high.length, "group") : "none") + " over " + people(t.max)); }
  }
  var broken = gs.filter(function (g) { return g.pieces > 1; });
  out.push(broken.length ? plural(broken.length, "group") + " in pieces" : "every group in one piece");
  var names = res.splits.map(function (s) { return DATA.councils.names[s.council]; });
  out.push(res.splits.length ? plural(res.splits.length, "council") + " split: " + names.slice(0, 6).join(", ") +
    (names.length > 6 ? " and " + (names.length - 6) + " more" : "") : "no council split");
  var cross = gs.filter(function (g) { return g.crossing.length; });
  out.push(cross.length ? plural(cross.length, "group") + " across a region line" : "no group across a region line");
  out.push(res.unassigned.length ? plural(res.unassigned.length, U.noun) + " unassigned" : "every " + U.noun +
    " assigned");
  return out.join("; ") + ".";
}

// ------------------------------------------------------------------------------------------ map
var box = document.getElementById("map");
box.setAttribute("aria-label", "Map of the plan: click a " + U.noun + " to put it in the chosen group");
var panel = el("div", "pl-panel");
panel.setAttribute("role", "region"); panel.setAttribute("aria-label", "Plan and checks");
document.body.appendChild(panel);
var map = L.map("map", {zoomSnap: 0.25, preferCanvas: false});
map.attributionControl.setPrefix("Leaflet");
map.attributionControl.addAttribution(DATA.attribution.replace(/[&<>]/g, ""));
map.fitBounds(DATA.bounds);
var renderer = L.svg({padding: 0.5}).addTo(map);
(function hatch() {  // the second cue of a failing group: diagonal hatching over its colour
  var defs = svgEl("defs"), p = svgEl("pattern", {id: "pl-hatch", patternUnits: "userSpaceOnUse", width: 7,
    height: 7, patternTransform: "rotate(45)"});
  p.appendChild(svgEl("rect", {width: 2.2, height: 7, fill: "#7a0000"}));
  defs.appendChild(p);
  renderer._container.insertBefore(defs, renderer._container.firstChild);
})();
var ARCS = arcPoints(DATA.arcs || unpackArcs(window.caArcBytes), SX, SY);  // arcs.js
var ARC_UNITS = {};  // arc -> units drawing it (two for an inner edge, one on the coast)
var polys = [], hatches = [];
DATA.geometry.forEach(function (feature, u) {
  var latlngs = feature.map(function (poly) {
    return poly.map(function (ring) {
      ring.forEach(function (r) { var k = r < 0 ? ~r : r; (ARC_UNITS[k] = ARC_UNITS[k] || []).push(u); });
      return ringOfArcs(ARCS, ring);
    });
  });
  var p = L.polygon(latlngs, {renderer: renderer, stroke: true, color: "#ffffff", weight: 0.6, fillOpacity: 0.75,
    fillColor: "#ffffff"});
  p.bindTooltip(function () { return tooltipText(u); }, {sticky: true});
  p.on("click", function () { if (!brush.on) { paint(u, true); } });
  p.on("mousedown", function (ev) {
    if (brush.on && ev.originalEvent.button === 0) { brush.down = true; record(); paint(u, false); }
  });
  p.on("mouseover", function () { if (brush.on && brush.down) { paint(u, false); } });
  p.addTo(map); polys.push(p);
  var h = L.polygon(latlngs, {renderer: renderer, stroke: false, fill: true, fillColor: "url(#pl-hatch)",
    fillOpacity: 0, interactive: false});
  h.addTo(map); hatches.push(h);
});
var borders = L.polyline([], {renderer: renderer, color: "#1a1a1a", weight: 2.2, interactive: false}).addTo(map);
var labels = L.layerGroup().addTo(map);
var brush = {on: false, down: false};
document.addEventListener("mouseup", function () { brush.down = false; });
function tooltipText(u) {
  var g = state.assign[u], b = basisById(view.basis);
  var grp = g >= 0 ? (g + 1) + ". " + state.groups[g].name : "unassigned";
  // Leaflet sets a tooltip's string as markup: every character that could open a tag is escaped
  return (U.names[u] + " (" + U.codes[u] + "): " + people(b.pop[u]) + " people; " + grp)
    .replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
}

// neighbouring groups get different colours; a group keeps its colour while no neighbour takes it
var colourOf = {};
function colourGroups() {
  var G = state.groups.length, nb = [], g, used;
  for (g = 0; g < G; g++) { nb.push({}); }
  for (var u = 0; u < N; u++) {
    var gu = state.assign[u];
    if (gu < 0) { continue; }
    ALL_NB[u].forEach(function (v) { var gv = state.assign[v]; if (gv >= 0 && gv !== gu) { nb[gu][gv] = true; } });
  }
  var out = new Array(G), count = PAL.map(function () { return 0; });
  for (g = 0; g < G; g++) {
    used = {};
    Object.keys(nb[g]).forEach(function (h) { if (+h < g) { used[out[+h]] = true; } });
    var prev = colourOf[state.groups[g].code], c = -1;
    if (prev !== undefined && !used[prev]) { c = prev; }
    if (c < 0) {  // the least used colour no earlier neighbour has (reused only past the palette's eight)
      for (var j = 0; j < PAL.length; j++) { if (!used[j] && (c < 0 || count[j] < count[c])) { c = j; } }
      if (c < 0) { c = g % PAL.length; }
    }
    out[g] = c; count[c]++;
  }
  colourOf = {};
  state.groups.forEach(function (grp, h) { colourOf[grp.code] = out[h]; });
  return out;
}

var drawn = [], labelSig = "";  // what each unit was last drawn as, and the labels: only changes are redrawn
function drawMap(res) {
  var colours = colourGroups();
  for (var u = 0; u < N; u++) {
    var g = state.assign[u], fail = g >= 0 && res.groups[g].fails > 0, key = (g >= 0 ? colours[g] : -1) + (fail ? "!" : "");
    if (drawn[u] === key) { continue; }
    drawn[u] = key;
    polys[u].setStyle({fillColor: g >= 0 ? PAL[colours[g]] : "#ffffff", fillOpacity: g >= 0 ? 0.78 : 0.35,
      color: g >= 0 ? "#ffffff" : "#8a8a8a", dashArray: g >= 0 ? null : "3 3"});
    hatches[u].setStyle({fillOpacity: fail ? 0.55 : 0});
  }
  var lines = [];
  Object.keys(ARC_UNITS).forEach(function (k) {
    var us = ARC_UNITS[k];
    if (us.length === 2 && state.assign[us[0]] !== state.assign[us[1]]) { lines.push(ARCS[k]); }
  });
  borders.setLatLngs(lines);
  var best = zeros(res.groups.length, -1);  // each group's number at its most populous unit, "!" if it fails
  for (var v = 0; v < N; v++) {
    var gv = state.assign[v];
    if (gv >= 0 && (best[gv] < 0 || res.basis.pop[v] > res.basis.pop[best[gv]])) { best[gv] = v; }
  }
  var sig = res.groups.map(function (grp, g) { return best[g] + (grp.fails ? "!" : ""); }).join(",");
  if (sig === labelSig) { return; }
  labelSig = sig;
  labels.clearLayers();
  res.groups.forEach(function (grp, g) {
    if (best[g] < 0) { return; }
    var lp = U.lp[best[g]], text = String(g + 1) + (grp.fails ? "!" : "");
    var icon = L.divIcon({className: "pl-label" + (grp.fails ? " pl-label-fail" : ""), html: "", iconSize: null});
    var m = L.marker(L.latLng(lp[1] / SY, lp[0] / SX), {icon: icon, interactive: false, keyboard: false});
    m.on("add", function () { m.getElement().textContent = text; });
    labels.addLayer(m);
  });
}

// ------------------------------------------------------------------------------------------ editing
function message(text, kind) {
  msg.textContent = text || "";
  msg.className = "pl-msg" + (kind ? " pl-msg-" + kind : "");
}
function record() { past.push(snapshot(state)); if (past.length > 200) { past.shift(); } future = []; }
function paint(u, single) {
  var to = view.active, from = state.assign[u];
  if (from === to) { return; }
  if (to >= 0 && state.groups[to].locked) { message("Group " + state.groups[to].name + " is locked.", "warn"); return; }
  if (from >= 0 && state.groups[from].locked) {
    message(U.names[u] + " is in " + state.groups[from].name + ", which is locked.", "warn"); return;
  }
  if (single) { record(); }
  state.assign[u] = to;
  after();
}
function dropEmpty() {  // a group left with no units is removed (an empty group is not a plan's group)
  var G = state.groups.length, keep = [], remap = [], n = zeros(G, 0), u;
  for (u = 0; u < N; u++) { if (state.assign[u] >= 0) { n[state.assign[u]]++; } }
  for (var g = 0; g < G; g++) {
    remap.push(n[g] || g === view.active ? keep.length : -1);
    if (n[g] || g === view.active) { keep.push(state.groups[g]); }
  }
  if (keep.length === G) { return; }
  for (u = 0; u < N; u++) { if (state.assign[u] >= 0) { state.assign[u] = remap[state.assign[u]]; } }
  view.active = view.active >= 0 ? remap[view.active] : -1;
  state.groups = keep;
}
var last = null;
function after(keepMessage) {
  dropEmpty();
  last = evaluate(state, {basis: view.basis, threshold: threshold()});
  drawMap(last);
  drawPanel(last);
  saveHash();
  if (!keepMessage && msg.className.indexOf("pl-msg-error") < 0) { message(""); }
}
function load(plan, note) {
  record();
  state = snapshot(plan);
  view.active = state.groups.length ? 0 : -1;
  after(true);
  message(note || "", "info");
}

// ------------------------------------------------------------------------------------------ plans out
function defuse(s) {  // as io/text.py's defuse: a cell a spreadsheet would run gets a leading apostrophe
  s = String(s).replace(/\r\n?/g, "\n");
  var lead = s.replace(/^ +/, "").charAt(0);
  if (lead && "=+-@\t\r\n".indexOf(lead) >= 0 && !/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(s)) {
    return "'" + s;
  }
  return s;
}
function csvCell(s) {
  s = defuse(s);
  return /[",\n\r]/.test(s) ? "\"" + s.replace(/"/g, "\"\"") + "\"" : s;
}
function planCsv(plan) {
  var rows = ["unit_code,group,unit_name,group_name"];
  for (var u = 0; u < N; u++) {
    var g = plan.assign[u], grp = g >= 0 ? plan.groups[g] : null;
    rows.push([U.codes[u], grp ? grp.code : "", U.names[u], grp ? grp.name : ""].map(csvCell).join(","));
  }
  return rows.join("\n") + "\n";
}
function yamlString(s) { return JSON.stringify(String(s)); }  // a JSON string is a YAML double-quoted scalar
function planYaml(plan) {
  var out = ["# A plan drawn in the Commissioning Atlas planner: groups of " + U.label + ".",
    "# Check it with: commissioning-atlas check --scenario THIS_FILE --subject scenario --rule size",
    "title: " + yamlString("Plan of " + plural(plan.groups.length, "group") + " of " + U.label),
    "vintage: " + yamlString(U.vintage), "units: " + U.id, "organisations:"];
  plan.groups.forEach(function (grp, g) {
    var members = [];
    for (var u = 0; u < N; u++) { if (plan.assign[u] === g) { members.push(U.codes[u]); } }
    out.push("  - code: " + yamlString(grp.code), "    name: " + yamlString(grp.name),
      "    members: [" + members.join(", ") + "]");
  });
  return out.join("\n") + "\n";
}
function download(text, name, type) {
  var a = el("a"), url = URL.createObjectURL(new Blob([text], {type: type}));
  a.href = url; a.download = name; document.body.appendChild(a); a.click();
  setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 0);
}

// ------------------------------------------------------------------------------------------ plans in
function PlanError(text) { this.text = text; }
function parseCsv(text) {  // RFC 4180: quoted cells may hold commas, quotes ("") and line breaks
  var rows = [], row = [], cell = "", q = false, i = 0, n = text.length, line = 1;
  if (text.charCodeAt(0) === 0xfeff) { i = 1; }
  for (; i < n; i++) {
    var c = text.charAt(i);
    if (q) {
      if (c === "\"") {
        if (text.charAt(i + 1) === "\"") { cell += "\""; i++; } else { q = false; }
      } else { if (c === "\n") { line++; } cell += c; }
    } else if (c === "\"" && cell === "") { q = true;
    } else if (c === ",") { row.push(cell); cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text.charAt(i + 1) === "\n") { i++; }
      row.push(cell); rows.push(row); row = []; cell = ""; line++;
    } else { cell += c; }
  }
  if (q) { throw new PlanError("malformed CSV: a quoted cell is never closed (line " + line + ")"); }
  if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
  return rows.filter(function (r) { return r.some(function (x) { return x.trim() !== ""; }); });
}
function yamlScalar(s, line) {
  s = s.trim();
  if (s.charAt(0) === "\"") {
    try { return JSON.parse(s); } catch (ignored) { throw new PlanError("line " + line + ": a quoted value is malformed"); }
  }
  if (s.charAt(0) === "'") {
    if (s.length < 2 || s.charAt(s.length - 1) !== "'") { throw new PlanError("line " + line + ": a quoted value is malformed"); }
    return s.slice(1, -1).replace(/''/g, "'");
  }
  return s.replace(/\s+#.*$/, "");
}
// the YAML this page writes (and hand-written files like it): organisations, each with code, name, members
function parseYaml(text) {
  var lines = text.replace(/\r\n?/g, "\n").split("\n"), orgs = null, org = null, listKey = null, top = {};
  for (var i = 0; i < lines.length; i++) {
    var raw = lines[i], ln = i + 1, s = raw.replace(/^\s+/, "");
    if (!s || s.charAt(0) === "#" || s === "---") { continue; }
    var indent = raw.length - s.length, m;
    if (indent === 0) {
      m = /^([A-Za-z_]+):\s*(.*)$/.exec(s);
      if (!m) { throw new PlanError("line " + ln + ": not a plan (expected 'organisations:' and keys like 'title:')"); }
      if (m[1] === "organisations") { orgs = []; listKey = null; continue; }
      top[m[1]] = yamlScalar(m[2], ln); continue;
    }
    if (orgs === null) { throw new PlanError("line " + ln + ": indented text before 'organisations:'"); }
    if (s.slice(0, 2) === "- " && listKey && org && indent > 2) { org[listKey].push(yamlScalar(s.slice(2), ln)); continue; }
    if (s.slice(0, 2) === "- ") { org = {_line: ln}; orgs.push(org); s = s.slice(2); listKey = null; }
    m = /^([A-Za-z_]+):\s*(.*)$/.exec(s);
    if (!m || !org) {
      throw new PlanError("line " + ln + ": not understood; this page reads organisations with code, name and members " +
        "(the YAML it writes); for other files use the CSV form unit_code,group");
    }
    var v = m[2].trim();
    if (m[1] === "members" && v.charAt(0) === "[") {
      if (v.charAt(v.length - 1) !== "]") { throw new PlanError("line " + ln + ": a members list is not closed"); }
      org.members = v.slice(1, -1).split(",").map(function (x) { return yamlScalar(x, ln); })
        .filter(function (x) { return x !== ""; });
    } else if (m[1] === "members" && v === "") { org.members = []; listKey = "members";
    } else if (m[1] === "members") { org.members = yamlScalar(v, ln).split(/[\s,;]+/).filter(Boolean);
    } else { org[m[1]] = yamlScalar(v, ln); listKey = null; }
  }
  if (orgs === null) { throw new PlanError("not a plan: no 'organisations:' list"); }
  return {top: top, orgs: orgs};
}
var OWN_PREFIX = {};  // code prefixes of this page's own units: an unknown code with one is simply unknown
U.codes.forEach(function (c) { OWN_PREFIX[c.slice(0, 3).toUpperCase()] = true; });
function unknownUnit(code) {
  var c = String(code).slice(0, 40), p = c.slice(0, 3).toUpperCase(), kind = OWN_PREFIX[p] ? null : DATA.prefixes[p];
  return kind ? c + " is the code of " + kind + ", not one of this page's " + U.label :
    "unknown unit code '" + c + "' (this page's units are " + U.label + ", codes like " + U.codes[0] + ")";
}
// rows [{unit, group, name, where}] or groups [{code, name, members, where}] -> a plan, or a PlanError
function planFrom(groupsIn) {
  if (groupsIn.length > DATA.max_groups) {
    throw new PlanError("too many groups (" + groupsIn.length.toLocaleString("en-GB") + "; a plan holds at most " +
      DATA.max_groups.toLocaleString("en-GB") + ")");
  }
  var assign = [], where = {}, taken = {}, groups = [], n = 0;
  for (var u = 0; u < N; u++) { assign.push(-1); }
  groupsIn.forEach(function (g) { if (CODE_OK.test(g.key)) { taken[g.key] = true; } });
  groupsIn.forEach(function (g, gi) {
    var code = g.key;
    if (!CODE_OK.test(code)) { do { n++; } while (taken["G" + n]); code = "G" + n; taken[code] = true; }
    if (!g.members.length) { throw new PlanError(g.where + ": group " + g.key.slice(0, 40) + " has no units (an empty group)"); }
    groups.push({code: code, name: String(g.name || g.key), locked: false});
    g.members.forEach(function (m) {
      var ix = UNIT_OF[String(m.code).trim().toUpperCase()];
      if (ix === undefined) { throw new PlanError(m.where + ": " + unknownUnit(m.code)); }
      if (where[ix]) {
        throw new PlanError(m.where + ": " + U.codes[ix] + " appears twice (first at " + where[ix] + "); a plan puts each " +
          U.noun + " in one group");
      }
      where[ix] = m.where; assign[ix] = gi;
    });
  });
  return {groups: groups, assign: assign};
}
function fromCsv(text) {
  var rows = parseCsv(text);
  if (!rows.length) { throw new PlanError("empty file: expected a header row unit_code,group"); }
  var head = rows[0].map(function (h) { return h.trim(); }), col = {};
  head.forEach(function (h, i) { if (!(h in col)) { col[h] = i; } });
  var groups = [], byKey = {};
  function group(key, name, where) {
    if (!byKey[key]) { byKey[key] = {key: key, name: name, members: [], where: where}; groups.push(byKey[key]); }
    if (!byKey[key].name && name) { byKey[key].name = name; }
    return byKey[key];
  }
  if ("unit_code" in col && "group" in col) {
    var seen = {};
    rows.slice(1).forEach(function (r, i) {
      var where = "row " + (i + 1), unit = (r[col.unit_code] || "").trim(), key = (r[col.group] || "").trim();
      if (r.length !== head.length) { throw new PlanError(where + ": " + r.length + " cells where the header has " + head.length); }
      if (!unit) { throw new PlanError(where + ": empty unit code"); }
      if (seen[unit.toUpperCase()]) {
        throw new PlanError(where + ": unit " + unit.slice(0, 40) + " appears twice (rows " + seen[unit.toUpperCase()] +
          " and " + (i + 1) + ")");
      }
      seen[unit.toUpperCase()] = i + 1;
      if (UNIT_OF[unit.toUpperCase()] === undefined) { throw new PlanError(where + ": " + unknownUnit(unit)); }
      if (!key) { return; }
      group(key, "group_name" in col ? (r[col.group_name] || "").trim() : "", where).members.push({code: unit, where: where});
    });
  } else if ("code" in col && "name" in col && "members" in col) {
    rows.slice(1).forEach(function (r, i) {
      var where = "row " + (i + 1), key = (r[col.code] || "").trim();
      if (r.length !== head.length) { throw new PlanError(where + ": " + r.length + " cells where the header has " + head.length); }
      if (!key) { throw new PlanError(where + ": empty organisation code"); }
      if (byKey[key]) { throw new PlanError(where + ": duplicate organisation code " + key.slice(0, 40)); }
      var grp = group(key, (r[col.name] || "").trim(), where);
      (r[col.members] || "").split(/[\s,;]+/).filter(Boolean).forEach(function (c) { grp.members.push({code: c, where: where}); });
    });
  } else {
    throw new PlanError("not a plan: the header has neither unit_code,group nor code,name,members");
  }
  if (rows.length > 1 && !groups.length) { throw new PlanError("no groups: every unit of the plan is unassigned"); }
  if (rows.length < 2) { throw new PlanError("no rows: the file has a header but no units"); }
  return planFrom(groups);
}
function fromYaml(text) {
  var doc = parseYaml(text), byKey = {};
  if (doc.top.units && doc.top.units !== U.id) {
    throw new PlanError("a plan of " + doc.top.units.slice(0, 40) + " units; this page's units are " + U.label + " (" + U.id + ")");
  }
  return planFrom(doc.orgs.map(function (o) {
    var where = "line " + o._line, key = String(o.code || "").trim();
    if (!key) { throw new PlanError(where + ": an organisation without a code"); }
    if (byKey[key]) { throw new PlanError(where + ": duplicate organisation code " + key.slice(0, 40)); }
    byKey[key] = true;
    return {key: key, name: o.name, where: where, members: (o.members || []).map(function (c) {
      return {code: c, where: where};
    })};
  }));
}
function importFile(file) {
  var name = String(file.name).slice(0, 80);
  if (file.size > DATA.max_bytes) {
    message(name + ": " + (file.size / 1e6).toFixed(1) + " MB; a plan file is at most " + DATA.max_bytes / 1e6 +
      " MB. The plan is unchanged.", "error");
    return;
  }
  var reader = new FileReader();
  reader.onload = function () {
    try {
      var text;
      try { text = new TextDecoder("utf-8", {fatal: true}).decode(reader.result); } catch (ignored) {
        throw new PlanError("not UTF-8 text");
      }
      if (text.indexOf("\u0000") >= 0) { throw new PlanError("not a text file (it holds NUL bytes)"); }
      var plan = /\.ya?ml$/i.test(name) ? fromYaml(text) : fromCsv(text);
      load(plan, "Imported " + name + ": " + plural(plan.groups.length, "group") + ".");
    } catch (err) {
      if (!(err instanceof PlanError)) { throw err; }
      message(name + ", " + err.text + ". The plan is unchanged.", "error");
    }
  };
  reader.readAsArrayBuffer(file);
}

// ------------------------------------------------------------------------------------------ the link
function saveHash() {
  var h = {u: U.id, t: view.threshold, b: view.basis, g: state.groups.map(function (g) {
    return [g.code, g.name, g.locked ? 1 : 0];
  }), a: state.assign.join(".")};
  history.replaceState(null, "", "#plan=" + encodeURIComponent(JSON.stringify(h)));
}
function fromHash() {
  var m = /^#plan=(.*)$/.exec(location.hash);
  if (!m) { return null; }
  var h = JSON.parse(decodeURIComponent(m[1]));
  if (h.u !== U.id) { throw new PlanError("the link holds a plan of " + String(h.u).slice(0, 40) + ", not of " + U.id); }
  var a = String(h.a).split(".").map(Number);
  if (a.length !== N || !Array.isArray(h.g) || h.g.length > DATA.max_groups) { throw new PlanError("the link's plan is damaged"); }
  var groups = h.g.map(function (g) {
    if (!Array.isArray(g) || !CODE_OK.test(String(g[0]))) { throw new PlanError("the link's plan is damaged"); }
    return {code: String(g[0]), name: String(g[1]), locked: !!g[2]};
  });
  a.forEach(function (x) { if (!(x === Math.floor(x) && x >= -1 && x < groups.length)) { throw new PlanError("the link's plan is damaged"); } });
  if (basisById(h.b) && !basisById(h.b).registered) { view.basis = h.b; }
  if (DATA.thresholds.some(function (t) { return t.id === h.t; })) { view.threshold = h.t; }
  return {groups: groups, assign: a};
}

// ------------------------------------------------------------------------------------------ panel
function button(text, fn, title) {
  var b = el("button", "pl-btn", text);
  b.type = "button"; if (title) { b.title = title; }  // the visible text stays the accessible name
  b.addEventListener("click", fn);
  return b;
}
function labelled(text, control) { var l = el("label", "pl-field", text); l.appendChild(control); return l; }
function option(value, text) { var o = el("option", null, text); o.value = value; return o; }
panel.appendChild(el("h1", "pl-title", DATA.title));
if (DATA.index) {
  var back = el("a", "pl-index", "All maps"); back.href = DATA.index; panel.appendChild(back);
}
var summary = el("p", "pl-summary"); summary.setAttribute("role", "status"); summary.setAttribute("aria-live", "polite");
panel.appendChild(summary);
var msg = el("p", "pl-msg"); msg.setAttribute("role", "alert"); panel.appendChild(msg);

var settingsBox = el("div", "pl-settings");
var startSel = el("select"); startSel.id = "pl-start";
DATA.plans.forEach(function (p) { startSel.appendChild(option(p.id, p.title)); });
settingsBox.appendChild(labelled("Start from ", startSel));
settingsBox.appendChild(button("Load", function () {
  var p = DATA.plans.filter(function (x) { return x.id === startSel.value; })[0];
  load({groups: p.groups.map(function (g) { return {code: g.code, name: g.name, locked: false}; }), assign: p.assign},
    "Loaded " + p.title + (p.note ? " (" + p.note + ")" : "") + ".");
}, "Load the chosen starting plan (undo brings yours back)"));
var thSel = el("select"); thSel.id = "pl-threshold";
DATA.thresholds.forEach(function (t) {
  var range = (t.min !== null ? "at least " + people(t.min) : "") + (t.min !== null && t.max !== null ? ", " : "") +
    (t.max !== null ? "at most " + people(t.max) : "");
  // in words: the range and whom it counts (the rule's id is the option's value, for the link and the CSV)
  thSel.appendChild(option(t.id, range + (t.basis === "registered" ? " registered patients" : " residents") +
    (t.applies ? "" : " (check does not apply it to these units)")));
});
thSel.addEventListener("change", function () { view.threshold = thSel.value; after(); });
settingsBox.appendChild(labelled("Size rule ", thSel));
var basisSel = el("select"); basisSel.id = "pl-basis";
residentBases().forEach(function (b) { basisSel.appendChild(option(b.id, b.label)); });
basisSel.addEventListener("change", function () { view.basis = basisSel.value; after(); });
settingsBox.appendChild(labelled("People counted as ", basisSel));
panel.appendChild(settingsBox);

var tools = el("div", "pl-tools");
var undoBtn = button("Undo", undo, "Undo the last edit (Ctrl+Z)"), redoBtn = button("Redo", redo, "Redo (Ctrl+Y)");
tools.appendChild(undoBtn); tools.appendChild(redoBtn);
tools.appendChild(button("New group", function () {
  record();
  var code = newCode(state.groups);
  state.groups.push({code: code, name: "New group " + code.slice(1), locked: false});
  view.active = state.groups.length - 1; after();
  nameInput.focus();
}, "Start a new, empty group and paint into it"));
var brushBox = el("input"); brushBox.type = "checkbox"; brushBox.id = "pl-brush";
brushBox.addEventListener("change", function () {
  brush.on = brushBox.checked;
  if (brush.on) { map.dragging.disable(); } else { map.dragging.enable(); }
});
tools.appendChild(labelled("Paint by dragging ", brushBox));
panel.appendChild(tools);

var io = el("div", "pl-tools");
io.appendChild(button("Export CSV", function () { download(planCsv(state), "plan.csv", "text/csv"); },
  "Download the plan as unit_code,group CSV"));
io.appendChild(button("Export YAML", function () { download(planYaml(state), "plan.yaml", "application/yaml"); },
  "Download the plan as a scenario YAML"));
var file = el("input"); file.type = "file"; file.id = "pl-import"; file.accept = ".csv,.txt,.yaml,.yml";
file.addEventListener("change", function () { if (file.files[0]) { importFile(file.files[0]); } file.value = ""; });
io.appendChild(labelled("Import ", file));
io.appendChild(button("Copy link", function () {
  saveHash();
  if (navigator.clipboard) { navigator.clipboard.writeText(location.href).then(function () { message("Link copied: it reopens this plan.", "info"); }, function () { message("The address bar holds the plan's link.", "info"); }); } else { message("The address bar holds the plan's link.", "info"); }
}, "Copy a link that reopens this plan"));
panel.appendChild(io);

var editor = el("fieldset", "pl-editor");
editor.appendChild(el("legend", null, "Group being edited"));
var activeSel = el("select"); activeSel.id = "pl-active";
activeSel.addEventListener("change", function () { view.active = +activeSel.value; after(); });
function row() { var r = el("div", "pl-row"); editor.appendChild(r); return r; }
row().appendChild(labelled("Clicks put units into ", activeSel));
var nameInput = el("input"); nameInput.id = "pl-name"; nameInput.maxLength = 120;
nameInput.addEventListener("change", function () {
  var g = view.active, v = nameInput.value.trim();
  if (g < 0) { return; }
  if (!v) { message("A group needs a name.", "warn"); nameInput.value = state.groups[g].name; return; }
  record(); state.groups[g].name = v; after();
});
var nameRow = row();
nameRow.appendChild(labelled("Name ", nameInput));
var lockBox = el("input"); lockBox.type = "checkbox"; lockBox.id = "pl-lock";
lockBox.addEventListener("change", function () {
  if (view.active < 0) { return; }
  record(); state.groups[view.active].locked = lockBox.checked; after();
});
nameRow.appendChild(labelled("Locked ", lockBox));
var mergeSel = el("select"); mergeSel.id = "pl-merge";
var mergeRow = row();
mergeRow.appendChild(labelled("Merge in ", mergeSel));
mergeRow.appendChild(button("Merge", function () {
  var from = +mergeSel.value, to = view.active;
  if (to < 0 || from < 0 || from === to) { message("Choose another group to merge into this one.", "warn"); return; }
  if (state.groups[from].locked || state.groups[to].locked) { message("A locked group cannot be merged.", "warn"); return; }
  record();
  for (var u = 0; u < N; u++) { if (state.assign[u] === from) { state.assign[u] = to; } }
  message(state.groups[from].name + " merged into " + state.groups[to].name + ".", "info");
  after(true);
}, "Move every unit of the chosen group into the group being edited"));
panel.appendChild(editor);

var groupsBox = el("div", "pl-groups");
panel.appendChild(groupsBox);
var splitsBox = el("details", "pl-fold"); splitsBox.open = true;
panel.appendChild(splitsBox);
var unitsBox = el("details", "pl-fold");
unitsBox.appendChild(el("summary", null, "Units (keyboard: choose the group above, then press a unit)"));
var search = el("input"); search.type = "search"; search.id = "pl-search";
search.setAttribute("aria-label", "Filter units by name or code"); search.placeholder = "Filter by name or code";
unitsBox.appendChild(search);
var unitList = el("ul", "pl-units"); unitsBox.appendChild(unitList);
var unitButtons = [];
U.codes.map(function (c, u) { return u; }).sort(function (x, y) { return U.names[x] < U.names[y] ? -1 : 1; })
  .forEach(function (u) {
    var li = el("li"), b = el("button", "pl-unit");
    b.type = "button"; b.addEventListener("click", function () { paint(u, true); });
    li.appendChild(b); unitList.appendChild(li); unitButtons[u] = {li: li, b: b};
  });
search.addEventListener("input", function () {
  var q = search.value.trim().toLowerCase();
  unitButtons.forEach(function (x, u) {
    x.li.hidden = q !== "" && U.names[u].toLowerCase().indexOf(q) < 0 && U.codes[u].toLowerCase().indexOf(q) < 0;
  });
});
panel.appendChild(unitsBox);
var notes = el("details", "pl-fold");
notes.appendChild(el("summary", null, "How the checks are made"));
[
  "Every figure is a sum over the plan's " + U.label + ", each a set of 2011 LSOAs: the same sums `commissioning-atlas " +
    "check --scenario plan.csv` makes on the exported CSV.",
  "Size: each group's people against the chosen rule of geo/size_thresholds.csv; a rule that counts registered " +
    "patients uses GP lists where this layer holds them, else residents, as check does.",
  "Contiguity: groups are in one piece when their units share boundary; " + (DATA.links.length ?
    "islands are joined to their nearest unit as advise joins them: " + DATA.links.map(function (l) {
      return U.names[l.a] + " to " + U.names[l.b] + " (" + l.km + " km " + l.kind + ")";
    }).join("; ") + "." : "no unit of this layer is cut off from the rest."),
  "Councils split (" + DATA.councils.title + "), as check's rule splits: " + SPLIT.text + ".",
  "Region lines (" + DATA.regions.title + "): each group's home is the region holding most of its people; parts " +
    "beyond it holding less than " + Math.round(TOL * 100) + "% of both the group's area and its people are ignored, as in check.",
  "Unit boundaries: " + U.source
].concat(DATA.bases.filter(function (b) { return b.held; }).map(function (b) {
  return "People counted as " + b.label + ": " + b.note + ". `check --scenario plan.csv --population " + b.id +
    "` counts the same figures.";
})).forEach(function (t) { notes.appendChild(el("p", null, t)); });
DATA.sources.forEach(function (t) { notes.appendChild(el("p", "pl-source", t)); });
panel.appendChild(notes);

function drawPanel(res) {
  summary.textContent = summaryText(res);
  undoBtn.disabled = !past.length; redoBtn.disabled = !future.length;
  startSel.value = startSel.value || DATA.start; thSel.value = view.threshold; basisSel.value = view.basis;
  // the editor
  activeSel.textContent = ""; mergeSel.textContent = "";
  activeSel.appendChild(option(-1, "Unassigned (clicks take units out of their group)"));
  state.groups.forEach(function (g, i) {
    activeSel.appendChild(option(i, (i + 1) + ". " + g.name + (g.locked ? " (locked)" : "")));
    if (i !== view.active) { mergeSel.appendChild(option(i, (i + 1) + ". " + g.name)); }
  });
  activeSel.value = String(view.active);
  var act = view.active >= 0 ? state.groups[view.active] : null;
  nameInput.disabled = lockBox.disabled = !act; nameInput.value = act ? act.name : ""; lockBox.checked = !!(act && act.locked);
  // the groups' list
  groupsBox.textContent = "";
  var t = res.threshold, tbl = el("table", "pl-table"), head = el("tr");
  tbl.appendChild(el("caption", null, "Groups: people are " + res.basis.label + (REGISTERED ? "; patients where held" : "") +
    (res.basis.held ? "; councils and region lines count " + res.lineBasis.label : "")));
  ["", "#", "Group", "People", "Checks"].forEach(function (h) { head.appendChild(el("th", null, h)); });
  tbl.appendChild(head);
  var colours = state.groups.map(function (g) { return colourOf[g.code]; });
  res.groups.forEach(function (grp, g) {
    var tr = el("tr", grp.fails ? "pl-fail" : ""), sw = el("td"), box2 = el("span", "pl-sw");
    box2.style.background = PAL[colours[g]]; sw.appendChild(box2); tr.appendChild(sw);
    tr.appendChild(el("td", "pl-num", String(g + 1) + (grp.fails ? "!" : "")));
    var nameCell = el("td"), pick = el("button", "pl-pick" + (g === view.active ? " pl-active" : ""),
      state.groups[g].name + (state.groups[g].locked ? " \uD83D\uDD12" : ""));
    pick.type = "button"; pick.setAttribute("aria-pressed", g === view.active ? "true" : "false");
    pick.title = "Edit this group: clicks on the map put units into it";
    pick.addEventListener("click", function () { view.active = g; after(); });
    nameCell.appendChild(pick); nameCell.appendChild(el("div", "pl-sub", plural(grp.units, U.noun) +
      (grp.reg !== null && grp.reg !== undefined ? "; " + people(grp.reg) + " patients" : "")));
    tr.appendChild(nameCell);
    var shown = grp.held !== null ? grp.held : grp.pop;
    tr.appendChild(el("td", "pl-pop", people(shown)));
    var checks = [];
    if (grp.low) { checks.push("\u2717 under " + people(t.min) + (grp.sized !== shown ? " (" + people(grp.sized) + " patients)" : "")); }
    if (grp.high) { checks.push("\u2717 over " + people(t.max)); }
    if (grp.pieces > 1) { checks.push("\u2717 in " + grp.pieces + " pieces"); }
    if (grp.linked.length) { checks.push("joined across water"); }
    grp.crossing.forEach(function (r) {
      checks.push("\u2717 " + people(r.pop) + " in " + DATA.regions.names[r.r] + " (home " + DATA.regions.names[grp.home] + ")");
    });
    if (!checks.length) { checks.push("\u2713 passes"); }
    tr.appendChild(el("td", "pl-checks", checks.join("; ")));
    tbl.appendChild(tr);
  });
  groupsBox.appendChild(tbl);
  // councils split
  splitsBox.textContent = "";
  splitsBox.appendChild(el("summary", null, res.splits.length ? plural(res.splits.length, "council") + " split between groups" :
    "No council split between groups"));
  var ul = el("ul", "pl-splits");
  res.splits.forEach(function (s) {
    ul.appendChild(el("li", null, DATA.councils.names[s.council] + ": " + s.parts.map(function (q) {
      return people(q.pop) + " in " + (q.g + 1) + ". " + state.groups[q.g].name + (q.sig ? "" : " (a fringe: it does not split the council)");
    }).join(", ")));
  });
  if (res.unassigned.length) {
    ul.appendChild(el("li", "pl-unassigned", plural(res.unassigned.length, U.noun) + " unassigned: " +
      res.unassigned.slice(0, 12).map(function (u) { return U.names[u]; }).join(", ") +
      (res.unassigned.length > 12 ? " and " + (res.unassigned.length - 12) + " more" : "")));
  }
  splitsBox.appendChild(ul);
  unitButtons.forEach(function (x, u) {
    var g = state.assign[u];
    x.b.textContent = U.names[u] + " (" + U.codes[u] + "): " + (g >= 0 ? (g + 1) + ". " + state.groups[g].name : "unassigned");
  });
}
function undo() {
  if (!past.length) { return; }
  future.push(snapshot(state)); state = past.pop();
  if (view.active >= state.groups.length) { view.active = state.groups.length - 1; }
  after();
}
function redo() {
  if (!future.length) { return; }
  past.push(snapshot(state)); state = future.pop();
  if (view.active >= state.groups.length) { view.active = state.groups.length - 1; }
  after();
}
document.addEventListener("keydown", function (ev) {
  var tag = (ev.target && ev.target.tagName) || "";
  if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") { return; }
  if ((ev.ctrlKey || ev.metaKey) && (ev.key === "z" || ev.key === "Z") && !ev.shiftKey) { ev.preventDefault(); undo(); }
  if ((ev.ctrlKey || ev.metaKey) && (ev.key === "y" || ((ev.key === "z" || ev.key === "Z") && ev.shiftKey))) { ev.preventDefault(); redo(); }
});

// ------------------------------------------------------------------------------------------ start
(function start() {
  var plan = null;
  try { plan = fromHash(); } catch (err) {
    message("The link's plan could not be read (" + (err.text || err.message) + "); the starting plan is shown.", "error");
  }
  if (!plan) {
    var p = DATA.plans.filter(function (x) { return x.id === DATA.start; })[0] || DATA.plans[0];
    plan = {groups: p.groups.map(function (g) { return {code: g.code, name: g.name, locked: false}; }), assign: p.assign};
    startSel.value = p.id;
  }
  state = snapshot(plan);
  view.active = state.groups.length ? 0 : -1;
  after(true);
})();
// for the tests and the benchmark: the plan, its figures and the one function that makes them
// print: England whole on the sheet's map (planner.css: the map left, the plan's groups and checks right),
// then the screen's view back. Chromium fires beforeprint in the screen's layout, the media query in the page's.
var screenView = null;
function toPrint() {
  if (!screenView) { screenView = {c: map.getCenter(), z: map.getZoom()}; }
  map.invalidateSize({animate: false}); map.options.zoomSnap = 0;
  map.fitBounds(DATA.bounds, {animate: false, padding: [4, 4]}); map.options.zoomSnap = 0.25;
}
function fromPrint() {
  if (!screenView) { return; }
  var v = screenView; screenView = null;
  map.invalidateSize({animate: false}); map.setView(v.c, v.z, {animate: false});
}
window.addEventListener("beforeprint", toPrint);
window.addEventListener("afterprint", fromPrint);
var printMedia = window.matchMedia && window.matchMedia("print");
if (printMedia && printMedia.addEventListener) {
  printMedia.addEventListener("change", function (ev) { if (ev.matches) { toPrint(); } else { fromPrint(); } });
}
window.caPlanner = {
  state: function () { return snapshot(state); },
  result: function () { return last; },
  evaluate: function (plan) { return evaluate(plan || state, {basis: view.basis, threshold: threshold()}); },
  summary: function () { return summary.textContent; },
  csv: function () { return planCsv(state); },
  yaml: function () { return planYaml(state); },
  // the figures by code, as `check --scenario` reports them on the exported CSV
  figures: function () {
    var res = evaluate(state, {basis: view.basis, threshold: threshold()}), gcode = function (g) { return state.groups[g].code; };
    return {
      groups: res.groups.map(function (grp, g) {
        return {code: gcode(g), name: state.groups[g].name, pop: Math.round(grp.pop), held: grp.held, sized: grp.sized, low: grp.low,
          high: grp.high, pieces: grp.pieces, home: DATA.regions.codes[grp.home] || null,
          crossing: grp.crossing.map(function (r) { return {code: DATA.regions.codes[r.r], pop: Math.round(r.pop)}; })};
      }),
      splits: res.splits.map(function (s) {
        return {code: DATA.councils.codes[s.council], parts: s.parts.map(function (q) {
          return {group: gcode(q.g), pop: Math.round(q.pop), sig: q.sig};
        })};
      }),
      unassigned: res.unassigned.map(function (u) { return U.codes[u]; })
    };
  },
  // one edit as a click makes it: unit `code` into the group coded `group` (null: unassigned); the benchmark times it
  move: function (code, group) {
    var g = -1;
    state.groups.forEach(function (x, i) { if (x.code === group) { g = i; } });
    var u = UNIT_OF[code.toUpperCase()];
    if ((group !== null && g < 0) || state.assign[u] === g) { return false; }  // no such group, or no change
    view.active = g; paint(u, true);
    return true;
  },
  // where a unit is on the screen (its label point), for a click
  unitPoint: function (code) {
    var lp = U.lp[UNIT_OF[code.toUpperCase()]], pt = map.latLngToContainerPoint(L.latLng(lp[1] / SY, lp[0] / SX));
    var r = box.getBoundingClientRect();
    return {x: pt.x + r.left, y: pt.y + r.top};
  }
};
})();
