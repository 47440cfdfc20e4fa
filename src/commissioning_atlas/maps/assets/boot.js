(function () {
"use strict";
var box = document.getElementById("map");
function fail(msg) { box.removeAttribute("role"); box.className = "ca-fail"; box.textContent = msg; }
if (typeof DecompressionStream === "undefined" || typeof Blob === "undefined" || !Blob.prototype.stream) {
  fail("This map needs a browser from 2023 or later (Chrome or Edge 80, Firefox 113, Safari 16.4): its data " +
    "are compressed. A copy written with 'commissioning-atlas map --no-pack' opens in older browsers.");
  return;
}
// the pack's text -> bytes: 7 base-121 digits per 6 bytes; a last group of m + 1 digits holds m bytes
var D = new Int16Array(128).fill(-1), nd = 0;
for (var c = 1; c < 128; c++) { if (__NOT_IN_PACK__.indexOf(c) < 0) { D[c] = nd++; } }
var t = document.getElementById("ca-pack").textContent, n = t.length;
if (n > 0 && t.charCodeAt(n - 1) === 10) { n--; }  // a newline an editor added at the end
var bytes = new Uint8Array(Math.floor(n / 7) * 6 + Math.max(0, n % 7 - 1));
for (var g = 0, o = 0; g < n; g += 7) {
  var w = Math.min(7, n - g), v = 0, j, d, c2;
  for (j = 0; j < w; j++) {
    c2 = t.charCodeAt(g + j); d = c2 < 128 ? D[c2] : -1;
    if (d < 0 || w === 1) { fail("This map could not be unpacked: its data are damaged."); return; }
    v = v * nd + d;
  }
  for (j = w - 2; j >= 0; j--) { bytes[o + j] = v % 256; v = Math.floor(v / 256); }
  o += w - 1;
}
new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer().then(function (buf) {
  // Leaflet CSS, our CSS, Leaflet, the data (JSON), our script, each ended by NUL; then the arcs' bytes
  var all = new Uint8Array(buf), parts = [], start = 0, dec = new TextDecoder("utf-8", {fatal: true});
  for (var k = 0; k < all.length && parts.length < 5; k++) {
    if (all[k] === 0) { parts.push(dec.decode(all.subarray(start, k))); start = k + 1; }
  }
  if (parts.length < 5) { throw new Error("the data are incomplete"); }
  window.caArcBytes = all.subarray(start);
  var style = document.createElement("style");
  style.textContent = parts[0] + "\n" + parts[1];
  document.head.appendChild(style);
  var data = document.createElement("script");
  data.type = "application/json"; data.id = "ca-data"; data.textContent = parts[3];
  document.body.appendChild(data);
  [parts[2], parts[4]].forEach(function (code) {
    var s = document.createElement("script"); s.textContent = code; document.body.appendChild(s);
  });
}).catch(function (e) { fail("This map could not be unpacked: " + e); });
})();
