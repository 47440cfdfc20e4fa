// The search of the map pages (map.js) and of the timeline (timeline.js), each page inlining this file after
// dom.js: names matched whole, by the start of a word, inside, or within a few typos, best first.
/* exported caNorm, caMatches, caSearchField */
function caNorm(s) { return String(s).toLowerCase().replace(/[^a-z0-9]+/g, " ").trim(); }
function caFuzzy(q, text) {  // edit distance from q to the best-matching part of text (Sellers)
  var prev = new Array(text.length + 1), cur = new Array(text.length + 1), i, j;
  for (j = 0; j <= text.length; j++) { prev[j] = 0; }
  for (i = 1; i <= q.length; i++) {
    cur[0] = i;
    for (j = 1; j <= text.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (q.charAt(i - 1) === text.charAt(j - 1) ? 0 : 1));
    }
    var t = prev; prev = cur; cur = t;
  }
  var best = Infinity;
  for (j = 0; j <= text.length; j++) { best = Math.min(best, prev[j]); }
  return best;
}
// the entries ({lower: caNorm(name), ...}) matching q, best first; rank(e) is added to a match's score
// (a page ranks what it shows before what it hides)
function caMatches(entries, q, rank) {
  q = caNorm(q);
  if (!q) { return []; }
  var allowed = q.length < 4 ? 0 : q.length < 8 ? 1 : 2, out = [];
  entries.forEach(function (e) {
    var score;
    if (e.lower === q) { score = 0; }
    else if (e.lower.indexOf(q) === 0 || e.lower.indexOf(" " + q) >= 0) { score = 1; }
    else if (e.lower.indexOf(q) > 0) { score = 2; }
    else { var d = caFuzzy(q, e.lower); if (d > allowed) { return; } score = 2 + d; }
    out.push({e: e, score: score + rank(e)});
  });
  out.sort(function (a, b) { return a.score - b.score || (a.e.lower < b.e.lower ? -1 : a.e.lower > b.e.lower ? 1 : 0); });
  return out.map(function (m) { return m.e; });
}
// the search field into `parent`: o.find(q) gives the entries, o.what(e) the words after a result's name,
// o.pick(e) selects one (a click, or Enter for the first); the first eight are listed
function caSearchField(parent, o) {
  var input = el("input"); input.type = "search"; input.id = o.id;
  input.placeholder = o.placeholder; input.setAttribute("aria-label", o.label);
  var list = el("ul"), note = el("small");
  list.setAttribute("aria-live", "polite");
  function show() {
    list.textContent = "";
    var m = o.find(input.value);
    note.textContent = input.value.trim() && !m.length ? o.none : "";
    m.slice(0, 8).forEach(function (e) {
      var li = el("li"), b = el("button", null, e.name);
      b.type = "button"; b.appendChild(el("small", null, " \u2013 " + o.what(e)));
      b.addEventListener("click", function () { o.pick(e); });
      li.appendChild(b); list.appendChild(li);
    });
    return m;
  }
  input.addEventListener("input", show);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { var m = show(); if (m.length) { o.pick(m[0]); } ev.preventDefault(); }
  });
  parent.appendChild(input); parent.appendChild(list); parent.appendChild(note);
  return input;
}
