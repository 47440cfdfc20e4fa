// DOM helpers, read by map.js and timeline.js (each page inlines this file, after arcs.js, before its own
// script). Text is only ever set as textContent: table text never becomes markup.
/* exported el, svgEl */
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) { e.className = cls; }
  if (text !== undefined && text !== null) { e.textContent = String(text); }
  return e;
}
var SVGNS = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs, text) {
  var e = document.createElementNS(SVGNS, tag);
  Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
  if (text !== undefined) { e.textContent = String(text); }
  return e;
}
