// Shared-arc geometry, read by map.js and timeline.js (each page inlines this file before its own script).
// arcs: flat integer deltas (first vertex absolute); a ring lists its arcs, ~i meaning arc i reversed.
// A packed page carries them as bytes (encode_arcs): 32-bit values in four byte planes, zigzag deltas.
/* exported unpackArcs, arcPoints, ringOfArcs */
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
// integer deltas -> [lat, lng] points, with the page's scales
function arcPoints(arcs, sx, sy) {
  return arcs.map(function (a) {
    var out = [], x = 0, y = 0;
    for (var i = 0; i < a.length; i += 2) { x += a[i]; y += a[i + 1]; out.push([y / sy, x / sx]); }
    return out;
  });
}
function ringOfArcs(arcs, refs) {
  var pts = [];
  refs.forEach(function (r) {
    var a = r < 0 ? arcs[~r].slice().reverse() : arcs[r];
    for (var i = pts.length ? 1 : 0; i < a.length; i++) { pts.push(a[i]); }
  });
  pts.pop();  // the last arc ends where the ring began
  return pts;
}
