// Taking a map away, read by map.js and timeline.js (each page inlines this file after dom.js): the link
// copied, the view as an SVG or PNG document (title, legend, attribution), the data as CSV. Built in the
// browser from what is drawn: no network.
/* exported caDefuse, caCsv, caPyNumber, caCopyText, caSave, caLegendItems, caViewSvg, caSvgToPng, caShareBox */

// ------------------------------------------------------------------------------------------ CSV
// The rules of the project's one CSV writer (io/text.py: defuse, rows_csv), so a download and a file the
// command line writes defuse the same cells: text starting (after spaces) with = + - @, tab, CR or LF gets a
// "'" unless Python's float() reads it as a number (-1.5, 1_000, inf; ASCII whitespace and Unicode spaces
// around it, Unicode digits); a CR becomes a LF.
var CA_SPACE = "[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
var CA_FLOAT = (function () {  // Python's float() grammar; its digits are any Unicode decimal digit
  function make(d, flags) {
    var part = d + "(?:_?" + d + ")*";
    return new RegExp("^" + CA_SPACE + "*[+-]?(?:(?:(?:" + part + ")?\\." + part + "|" + part + "\\.?)(?:[eE][+-]?" +
      part + ")?|inf|infinity|nan)" + CA_SPACE + "*$", flags);
  }
  try { return make("\\p{Nd}", "iu"); } catch (ignored) { return make("[0-9]", "i"); }
})();
function caPyNumber(s) { return CA_FLOAT.test(s); }
function caDefuse(v) {
  if (typeof v !== "string" || !v) { return v; }
  if (v.indexOf("\r") >= 0) { v = v.replace(/\r\n/g, "\n").replace(/\r/g, "\n"); }
  var lead = v.replace(/^ +/, "").charAt(0);
  if (lead && "=+-@\t\r\n".indexOf(lead) >= 0 && !caPyNumber(v)) { return "'" + v; }
  return v;
}
// a number as Python's str() writes it: an integer as an int, else repr (exponent below 1e-4 and from 1e16)
function caNumberText(n) {
  if (n !== n) { return "nan"; }
  if (n === Infinity || n === -Infinity) { return n > 0 ? "inf" : "-inf"; }
  if (Math.floor(n) === n && Math.abs(n) < 1e16) { return String(n); }
  var m = /^(-?)(\d)(?:\.(\d+))?e([+-])(\d+)$/.exec(n.toExponential()), e = Number(m[5]) * (m[4] === "-" ? -1 : 1);
  if (e >= -4 && e < 16) { return String(n); }
  return m[1] + m[2] + (m[3] ? "." + m[3] : "") + "e" + m[4] + (m[5].length < 2 ? "0" : "") + m[5];
}
function caCsvCell(v) {
  var s = v === null || v === undefined ? "" : typeof v === "number" ? caNumberText(v) : caDefuse(String(v));
  return /[",\n\r]/.test(s) ? "\"" + s.replace(/"/g, "\"\"") + "\"" : s;
}
// CSV text as rows_csv writes it: a header and rows, "\n" line ends
function caCsv(header, rows) {
  return [header].concat(rows).map(function (row) {
    if (row.length === 1 && (row[0] === "" || row[0] === null || row[0] === undefined)) { return "\"\""; }
    return row.map(caCsvCell).join(",");
  }).join("\n") + "\n";
}

// ------------------------------------------------------------------------------------------ files and links
function caSave(name, blob) {  // a download made here, no request
  var a = document.createElement("a"), url = URL.createObjectURL(blob);
  a.href = url; a.download = name; a.style.display = "none";
  document.body.appendChild(a); a.click(); document.body.removeChild(a);
  setTimeout(function () { URL.revokeObjectURL(url); }, 2000);
}
// copy text; where the Clipboard API is missing or refused (a file:// page, an old browser, a denied
// permission), the text waits selected in `field` for the reader's own Ctrl+C. done(copied) says which.
function caCopyText(text, field, done) {
  field.value = text; field.hidden = false;
  function byHand() {
    field.focus(); field.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (ignored) { ok = false; }
    done(ok);
  }
  if (navigator.clipboard && navigator.clipboard.writeText) {
    try { navigator.clipboard.writeText(text).then(function () { done(true); }, byHand); return; }
    catch (ignored) { byHand(); return; }
  }
  byHand();
}

// ------------------------------------------------------------------------------------------ the view as SVG
var CA_FONT = "system-ui,-apple-system,'Segoe UI',Arial,sans-serif";
var caMeasure = null;
function caWidth(text, size, weight) {
  caMeasure = caMeasure || document.createElement("canvas").getContext("2d");
  caMeasure.font = (weight || 400) + " " + size + "px " + CA_FONT;
  return caMeasure.measureText(text).width;
}
function caWrap(text, width, size, weight) {  // lines of at most `width` pixels, broken at spaces
  var out = [], line = "";
  String(text).split(/\s+/).forEach(function (w) {
    var next = line ? line + " " + w : w;
    if (line && caWidth(next, size, weight) > width) { out.push(line); line = w; } else { line = next; }
  });
  if (line) { out.push(line); }
  return out;
}
function caText(parent, x, y, lines, size, attrs) {  // one <text> per line, `size` px, 1.3 line height
  lines.forEach(function (line, n) {
    var a = {x: x, y: y + n * Math.round(size * 1.3), "font-size": size, "font-family": CA_FONT};
    Object.keys(attrs || {}).forEach(function (k) { a[k] = attrs[k]; });
    parent.appendChild(svgEl("text", a, line));
  });
  return y + lines.length * Math.round(size * 1.3);
}
var CA_PATH_ATTRS = ["d", "stroke", "stroke-opacity", "stroke-width", "stroke-linecap", "stroke-linejoin",
  "stroke-dasharray", "fill", "fill-opacity", "fill-rule", "class"];
// the drawn paths of a Leaflet map (its SVG renderers), as shown: hidden ones are left out
function caDrawnPaths(map) {
  return Array.prototype.filter.call(map.getPanes().overlayPane.querySelectorAll("svg path"), function (p) {
    var st = window.getComputedStyle(p);
    return st.display !== "none" && st.visibility !== "hidden" && p.getAttribute("d") &&
      p.getAttribute("d") !== "M0 0" && !(Number(p.getAttribute("stroke-opacity") || 1) === 0 &&
      (p.getAttribute("fill") === "none" || Number(p.getAttribute("fill-opacity") || 1) === 0));
  });
}
// labels on the map (divs of class ca-label, the timeline's tl-label): their text lines, centre and look, in map pixels
function caLabels(map) {
  var box = map.getContainer().getBoundingClientRect();
  return Array.prototype.map.call(map.getContainer().querySelectorAll(".ca-label, .tl-label"), function (d) {
    var r = d.getBoundingClientRect(), st = window.getComputedStyle(d), lines = [], cur = "";
    Array.prototype.forEach.call(d.childNodes, function (c) {
      if (c.nodeName === "BR") { lines.push(cur); cur = ""; } else { cur += c.textContent; }
    });
    lines.push(cur);
    return {x: r.left + r.width / 2 - box.left, y: r.top + r.height / 2 - box.top, w: r.width, h: r.height,
      lines: lines, size: parseFloat(st.fontSize) || 12, weight: st.fontWeight, style: st.fontStyle,
      colour: st.color, mark: d.classList.contains("ca-num-mark") ? st.backgroundColor : null};
  }).filter(function (l) { return l.w && l.x >= 0 && l.y >= 0; });
}
// ------------------------------------------------------------------------------------------ the legend as shown
// A page's legend read from the screen for the drawn copy (caViewSvg's `legend`: the atlas, the check pages
// and the timeline), so that the download shows what the legend shows: headings (h3), a choice (class
// ca-by), a colour bar (ca-bar), rows (ca-row) with their swatch or the sample of a name's lettering
// (ca-ref-sample), notes (ca-drawn, ca-unshaped); words for the screen only (ca-screen) are left out.
function caShownText(node) {
  var copy = node.cloneNode(true);
  Array.prototype.forEach.call(copy.querySelectorAll(".ca-screen"), function (x) { x.parentNode.removeChild(x); });
  return copy.textContent;
}
function caLegendItems(body) {
  var out = [];
  Array.prototype.forEach.call(body ? body.children : [], function (n) {
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
      var sample = n.querySelector(".ca-ref-sample"), words = [], look = sample && window.getComputedStyle(sample);
      Array.prototype.forEach.call(n.children, function (x) {
        if (x.tagName === "SPAN" && x !== sample) { words.push(caShownText(x)); }
      });
      out.push({row: words.join(" "), swatch: n.querySelector("svg"), sample: sample ? {text: sample.textContent,
        size: parseFloat(look.fontSize) || 11, weight: look.fontWeight, style: look.fontStyle, colour: look.color} : null});
    } else if (cls.contains("ca-drawn")) { out.push({text: n.textContent}); }
    else if (cls.contains("ca-unshaped")) { out.push({text: n.querySelector("summary").textContent + ": listed on the page"}); }
  });
  return out;
}

// The view as one SVG document for a slide or an article: the title (and a sentence), the map's paths as
// drawn with its labels, the legend beside it, the attribution under it. `legend` is a list of
// {h: heading} | {row: text, swatch: <svg> or null, sample: a name's lettering or null} |
// {bar: [[colour, label], ...]} | {text: text} (caLegendItems).
function caViewSvg(map, o) {
  var size = map.getSize(), mw = size.x, mh = size.y, pad = 24, lw = o.legend && o.legend.length ? 300 : 0;
  var W = mw + 2 * pad + (lw ? lw + pad : 0);
  var svg = svgEl("svg", {xmlns: SVGNS, version: "1.1", "font-family": CA_FONT});
  var g = svgEl("g"), y = pad + 26;
  svg.appendChild(g);
  y = caText(g, pad, y, caWrap(o.title, W - 2 * pad, 24, 700), 24, {"font-weight": 700, fill: "#111", "class": "ca-x-title"});
  if (o.sentence) { y = caText(g, pad, y + 4, caWrap(o.sentence, W - 2 * pad, 15, 400), 15, {fill: "#222"}); }
  var top = y + 4;
  // the map: its paths as drawn (layer pixels moved to the view), clipped to the view
  var defs = svgEl("defs"), clip = svgEl("clipPath", {id: "ca-x-clip"});
  clip.appendChild(svgEl("rect", {x: 0, y: 0, width: mw, height: mh}));
  defs.appendChild(clip);
  Array.prototype.forEach.call(map.getPanes().overlayPane.querySelectorAll("svg pattern"), function (p) {
    defs.appendChild(p.cloneNode(true));
  });
  svg.insertBefore(defs, g);
  var frame = svgEl("g", {transform: "translate(" + pad + "," + top + ")", "class": "ca-x-map"});
  frame.appendChild(svgEl("rect", {x: 0, y: 0, width: mw, height: mh, fill: o.background || "#dfe8f1"}));
  var inner = svgEl("g", {"clip-path": "url(#ca-x-clip)"}), origin = map.containerPointToLayerPoint([0, 0]);
  var shapes = svgEl("g", {transform: "translate(" + (-origin.x) + "," + (-origin.y) + ")", "class": "ca-x-paths"});
  caDrawnPaths(map).forEach(function (p) {
    var a = {};
    CA_PATH_ATTRS.forEach(function (k) { var v = p.getAttribute(k); if (v !== null && v !== "") { a[k] = v; } });
    if (!a.fill) { a.fill = "none"; }
    shapes.appendChild(svgEl("path", a));
  });
  inner.appendChild(shapes);
  caLabels(map).forEach(function (l) {
    if (l.mark) {
      inner.appendChild(svgEl("circle", {cx: l.x, cy: l.y, r: l.h / 2, fill: l.mark, stroke: "#fff"}));
      inner.appendChild(svgEl("text", {x: l.x, y: l.y + 4, "text-anchor": "middle", "font-size": 11, "font-weight": 700,
        fill: "#fff"}, l.lines.join(" ")));
      return;
    }
    var lh = 14, y0 = l.y - (l.lines.length - 1) * lh / 2 + l.size * 0.35;
    l.lines.forEach(function (line, n) {
      inner.appendChild(svgEl("text", {x: l.x, y: y0 + n * lh, "text-anchor": "middle", "font-size": l.size,
        "font-weight": l.weight, "font-style": l.style, fill: l.colour, stroke: "#fff", "stroke-width": 3,
        "stroke-linejoin": "round", "paint-order": "stroke", "class": "ca-x-label"}, line));
    });
  });
  frame.appendChild(inner);
  frame.appendChild(svgEl("rect", {x: 0, y: 0, width: mw, height: mh, fill: "none", stroke: "#888"}));
  svg.appendChild(frame);
  // the legend, beside the map
  var ly = top + 16, lx = pad + mw + pad, leg = svgEl("g", {"class": "ca-x-legend"});
  // the rows' words in one column: after the swatches, or after the widest sample of a name's lettering
  var indent = (o.legend || []).reduce(function (w, item) {
    var s = item.sample;
    return s ? Math.max(w, Math.ceil(caWidth(s.text, s.size, s.weight)) + 8) : w;
  }, 32);
  (o.legend || []).forEach(function (item) {
    if (item.h) { ly = caText(leg, lx, ly + 6, caWrap(item.h, lw, 14, 700), 14, {"font-weight": 700, fill: "#111"}); }
    else if (item.bar) {
      item.bar.forEach(function (b) {
        leg.appendChild(svgEl("rect", {x: lx, y: ly - 11, width: 18, height: 16, fill: b[0], stroke: "#8a8a8a"}));
        caText(leg, lx + 26, ly + 1, [b[1]], 12, {fill: "#111"}); ly += 16;
      });
      ly += 4;
    } else if (item.row !== undefined) {
      var s = item.sample;
      if (item.swatch) {
        var sw = item.swatch.cloneNode(true);
        sw.setAttribute("x", lx); sw.setAttribute("y", ly - 11); leg.appendChild(sw);
      } else if (s) {  // "Town", "Name": lettered as on the map, in the swatches' column
        caText(leg, lx, ly + 1, [s.text], s.size, {"font-weight": s.weight, "font-style": s.style, fill: s.colour,
          "class": "ca-x-sample"});
      }
      ly = caText(leg, lx + indent, ly + 1, caWrap(item.row, lw - indent, 12, 400), 12, {fill: "#111"}) + 3;
    } else if (item.text) { ly = caText(leg, lx, ly + 1, caWrap(item.text, lw, 12, 400), 12, {fill: "#333"}) + 3; }
  });
  svg.appendChild(leg);
  // the attribution and sources, under the map
  var fy = Math.max(top + mh, ly) + 20, foot = svgEl("g", {"class": "ca-x-attribution"});
  (o.attribution || []).forEach(function (line) {
    fy = caText(foot, pad, fy, caWrap(line, W - 2 * pad, 11, 400), 11, {fill: "#444"});
  });
  svg.appendChild(foot);
  var H = Math.ceil(fy + pad - 8);
  svg.setAttribute("width", W); svg.setAttribute("height", H); svg.setAttribute("viewBox", "0 0 " + W + " " + H);
  svg.insertBefore(svgEl("rect", {x: 0, y: 0, width: W, height: H, fill: "#fff"}), defs.nextSibling);
  return {text: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + new XMLSerializer().serializeToString(svg) + "\n",
    width: W, height: H};
}
// the SVG drawn onto a canvas at `scale`, as a PNG blob (a data: URL image, so no request and no taint)
function caSvgToPng(svg, scale, done) {
  var img = new Image();
  img.onload = function () {
    var c = document.createElement("canvas");
    c.width = Math.round(svg.width * scale); c.height = Math.round(svg.height * scale);
    var ctx = c.getContext("2d");
    ctx.scale(scale, scale); ctx.drawImage(img, 0, 0, svg.width, svg.height);
    c.toBlob(function (blob) { done(blob); }, "image/png");
  };
  img.onerror = function () { done(null); };
  img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg.text);
}

// ------------------------------------------------------------------------------------------ the control
// "Share": copy the link, download the view (SVG, PNG) or the data (CSV). `page` gives name (the file
// stem), map(), link() (the address of this view), view() (caViewSvg's options) and csv() ({name, header,
// rows}) when asked; `compact` (a phone) shows it as an icon.
function caShareBox(page) {
  var det = el("details", "ca-take" + (page.compact ? " ca-take-compact" : "")),
    sum = el("summary", "ca-take-sum", page.compact ? null : "Share and download");
  sum.title = "Share and download: the link, this view as SVG or PNG, the data as CSV";
  if (page.compact) {  // a phone: an icon, named for screen readers
    sum.setAttribute("aria-label", "Share and download");
    var icon = svgEl("svg", {viewBox: "0 0 16 16", width: 18, height: 18, "aria-hidden": "true"});
    icon.appendChild(svgEl("path", {d: "M8 1v9M4.5 4.5 8 1l3.5 3.5M2 9v5h12V9", fill: "none", stroke: "#1a1a1a", "stroke-width": 1.8}));
    sum.appendChild(icon);
  }
  det.appendChild(sum);
  var body = el("div", "ca-take-body"), note = el("p", "ca-take-note"), field = el("input", "ca-take-field");
  note.setAttribute("role", "status"); note.setAttribute("aria-live", "polite");
  field.type = "text"; field.readOnly = true; field.hidden = true; field.setAttribute("aria-label", "Link to this view");
  function button(text, title, fn) {
    var b = el("button", "ca-take-btn", text); b.type = "button"; b.title = title;
    b.addEventListener("click", fn); body.appendChild(b); return b;
  }
  button("Copy link", "Copy a link that opens this view: layers, zoom, place and selection", function () {
    caCopyText(page.link(), field, function (ok) {
      note.textContent = ok ? "Link copied." : "Press Ctrl+C (\u2318C on a Mac) to copy the selected link.";
    });
  });
  button("Download view (SVG)", "This view with its title, legend and sources, as an SVG drawing", function () {
    var v = caViewSvg(page.map(), page.view());
    caSave(page.name + ".svg", new Blob([v.text], {type: "image/svg+xml"}));
    note.textContent = "Saved " + page.name + ".svg";
  });
  button("Download view (PNG)", "This view with its title, legend and sources, as a PNG image", function () {
    var v = caViewSvg(page.map(), page.view());
    note.textContent = "Drawing the image\u2026";
    caSvgToPng(v, 2, function (blob) {
      if (!blob) { note.textContent = "This browser could not draw the image: download the SVG."; return; }
      caSave(page.name + ".png", blob); note.textContent = "Saved " + page.name + ".png";
    });
  });
  button("Download data (CSV)", "The shown layer or findings as a table (CSV, formulas defused)", function () {
    var t = page.csv();
    caSave(t.name + ".csv", new Blob([caCsv(t.header, t.rows)], {type: "text/csv;charset=utf-8"}));
    note.textContent = "Saved " + t.name + ".csv";
  });
  body.appendChild(field); body.appendChild(note); det.appendChild(body);
  return det;
}
