// Towns, places and neighbourhoods (maps/places.py) for the search and the low-zoom names, and what a page's
// layers have at a point: read by maptake.js (the atlas and check pages) and timeline.js, each page inlining
// this file after search.js.
/* exported caPlaces, caLocator, caPlaceEl */

// the page's towns and its places and neighbourhoods (columns by district, each centre a step from the
// last), as search entries {name, lower, code, note, place: {name, x, y, r, n, district, hood}}; towns also
// in `towns`, named on the map when zoomed out
function caPlaces(P) {
  var out = {towns: [], entries: []};
  function add(place, code, note) {
    out.entries.push({name: place.name, lower: caNorm(place.name), place: place, code: code, note: note});
  }
  function columns(C, districts, hood) {
    var k = 0, px = 0, py = 0, names = C ? C.names.split("|") : [];
    (C ? C.per : []).forEach(function (count, di) {
      for (var j = 0; j < count; j++, k++) {
        px += C.dx[k]; py += C.dy[k];
        var place = {name: names[k], district: districts[di], x: px * C.step / 1000, y: py * C.step / 1000,
          r: C.r[k] * C.step / 1000, n: hood ? 1 : C.n[k], hood: hood};
        add(place, (hood ? "hood:" : "place:") + place.district + ":" + place.name,
          hood ? "neighbourhood in " + place.district : place.n + " neighbourhoods in " + place.district);
      }
    });
  }
  if (!P) { return out; }
  (P.towns || []).forEach(function (t) {
    var town = {name: t[0], x: t[1] / 1000, y: t[2] / 1000, r: t[3] / 1000, n: t[4]};
    out.towns.push(town);
    add(town, "town:" + town.name, "town or city, " + town.n + " neighbourhoods");
  });
  columns(P.places, P.districts, false);
  columns(P.neighbourhoods, P.neighbourhoods ? P.neighbourhoods.districts : [], true);
  return out;
}

// point in polygon over a page's arcs (decode(geometry) gives polygons of rings of [lat, lng]): each arc's
// box once, then the rings of the features whose box holds the point. The returned at(geoms, ll) gives the
// indices of the geometries holding ll.
function caLocator(ARCS, decode) {
  var arcBoxes = [], boxes = [];
  function grow(b, q) { return [Math.min(b[0], q[0]), Math.min(b[1], q[1]), Math.max(b[2], q[2]), Math.max(b[3], q[3])]; }
  function arcBox(a) {
    if (!arcBoxes[a]) {
      arcBoxes[a] = ARCS[a].reduce(function (b, p) { return grow(b, [p[0], p[1], p[0], p[1]]); },
        [Infinity, Infinity, -Infinity, -Infinity]);
    }
    return arcBoxes[a];
  }
  function boxOf(g) {
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    g.forEach(function (poly) { poly.forEach(function (ring) { ring.forEach(function (r) { b = grow(b, arcBox(r < 0 ? ~r : r)); }); }); });
    return b;
  }
  return function at(geoms, ll) {
    var k = boxes.filter(function (x) { return x[0] === geoms; })[0], out = [];
    if (!k) { k = [geoms, geoms.map(boxOf)]; boxes.push(k); }
    geoms.forEach(function (g, i) {
      var b = k[1][i], inside = false;
      if (ll.lat < b[0] || ll.lat > b[2] || ll.lng < b[1] || ll.lng > b[3]) { return; }
      decode(g).forEach(function (poly) { poly.forEach(function (ring) {
        for (var j = 0, m = ring.length - 1; j < ring.length; m = j++) {
          var a = ring[j], c = ring[m];
          if ((a[0] > ll.lat) !== (c[0] > ll.lat) && ll.lng < (c[1] - a[1]) * (ll.lat - a[0]) / (c[0] - a[0]) + a[1]) { inside = !inside; }
        }
      }); });
      if (inside) { out.push(i); }
    });
    return out;
  };
}

// a town, place or neighbourhood's popup: what it is, then `rows` ({title, items: [{text, pick}]}: each
// layer's bodies at its centre, each with its date; an item with pick() is a button) and the names' source
function caPlaceEl(p, rows, source) {
  var d = el("div", "ca-popup");
  d.appendChild(el("h2", null, p.name));
  d.appendChild(el("div", "ca-sub", p.hood ? "Neighbourhood (MSOA of 2011) in " + p.district :
    p.district ? "Place named by " + p.n + " neighbourhoods (MSOAs of 2011) in " + p.district :
    "Major town or city (ONS, 2015): " + p.n + " neighbourhoods (MSOAs of 2011)"));
  d.appendChild(el("p", "ca-sentence", "At its centre:"));
  var t = el("table");
  rows.forEach(function (row) {
    var tr = el("tr"), td = el("td");
    tr.appendChild(el("th", null, row.title));
    row.items.forEach(function (item, n) {
      if (n) { td.appendChild(document.createTextNode("; ")); }
      if (!item.pick) { td.appendChild(document.createTextNode(item.text)); return; }
      var b = el("button", "ca-link", item.text); b.type = "button";
      b.addEventListener("click", item.pick);
      td.appendChild(b);
    });
    tr.appendChild(td); t.appendChild(tr);
  });
  d.appendChild(t);
  d.appendChild(el("p", "ca-source", "Source: " + source));
  return d;
}
