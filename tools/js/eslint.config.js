// ESLint (flat config) for the maps' browser code: src/commissioning_atlas/maps/assets/*.js.
// Run from the repository root (the test does; scripts/test.sh installs it with `npm ci`):
//   tools/js/node_modules/.bin/eslint -c tools/js/eslint.config.js src/commissioning_atlas/maps/assets
// With -c the patterns below are relative to the working folder, the repository root.
"use strict";
const js = require("@eslint/js");
const globals = require("globals");

// arcs.js and dom.js are inlined into each page before the page's own script: their functions are the
// pages' globals
const SHARED_FUNCTIONS = {unpackArcs: "readonly", arcPoints: "readonly", ringOfArcs: "readonly",
                          el: "readonly", svgEl: "readonly", SVGNS: "readonly"};
// takeaway.js (copy link, downloads) is inlined after dom.js into the atlas, check and timeline pages; then
// maptake.js (the atlas and check pages' share box, towns and places), whose caMapTakeaway map.js calls
const TAKEAWAY_FUNCTIONS = {caDefuse: "readonly", caCsv: "readonly", caPyNumber: "readonly", caCopyText: "readonly",
                            caSave: "readonly", caLegendItems: "readonly", caViewSvg: "readonly", caSvgToPng: "readonly", caShareBox: "readonly",
                            caMapTakeaway: "readonly"};

// search.js (the search) is inlined after dom.js into every map page and the timeline; places.js (towns,
// places, neighbourhoods) into the atlas, check and timeline pages
const SEARCH_FUNCTIONS = {caNorm: "readonly", caMatches: "readonly", caSearchField: "readonly"};
const PLACES_FUNCTIONS = {caPlaces: "readonly", caLocator: "readonly", caPlaceEl: "readonly"};

module.exports = [
  {
    files: ["src/commissioning_atlas/maps/assets/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      // plain ES5 scripts, so that a --no-pack page opens in old browsers (see map.js)
      ecmaVersion: 5,
      sourceType: "script",
      globals: {...globals.browser, L: "readonly"},  // L: Leaflet, inlined before our scripts
    },
    linterOptions: {reportUnusedDisableDirectives: "error"},
    rules: {
      ...js.configs.recommended.rules,
      // ES5 has no `catch {}` without a binding: a catch that does not use its error names it `ignored`
      "no-unused-vars": ["error", {caughtErrorsIgnorePattern: "^ignored$"}],
    },
  },
  {
    files: ["src/commissioning_atlas/maps/assets/map.js", "src/commissioning_atlas/maps/assets/timeline.js",
            "src/commissioning_atlas/maps/assets/planner.js"],
    languageOptions: {globals: SHARED_FUNCTIONS},
  },
  {
    files: ["src/commissioning_atlas/maps/assets/takeaway.js", "src/commissioning_atlas/maps/assets/maptake.js",
            "src/commissioning_atlas/maps/assets/search.js", "src/commissioning_atlas/maps/assets/places.js"],
    languageOptions: {globals: SHARED_FUNCTIONS},
  },
  {
    files: ["src/commissioning_atlas/maps/assets/map.js", "src/commissioning_atlas/maps/assets/timeline.js",
            "src/commissioning_atlas/maps/assets/places.js"],
    languageOptions: {globals: SEARCH_FUNCTIONS},
  },
  {
    files: ["src/commissioning_atlas/maps/assets/maptake.js", "src/commissioning_atlas/maps/assets/timeline.js"],
    languageOptions: {globals: PLACES_FUNCTIONS},
  },
  {
    files: ["src/commissioning_atlas/maps/assets/map.js", "src/commissioning_atlas/maps/assets/timeline.js"],
    languageOptions: {globals: TAKEAWAY_FUNCTIONS},
  },
  {
    files: ["src/commissioning_atlas/maps/assets/maptake.js"],
    languageOptions: {globals: {caDefuse: "readonly", caCsv: "readonly", caLegendItems: "readonly", caViewSvg: "readonly",
                                caShareBox: "readonly"}},
  },
  {
    // the boot script runs only where DecompressionStream exists (2023 browsers): typed arrays are there;
    // page.py replaces __NOT_IN_PACK__ with the list of character codes the pack never uses
    files: ["src/commissioning_atlas/maps/assets/boot.js"],
    languageOptions: {globals: {...globals.es2015, __NOT_IN_PACK__: "readonly"}},
  },
];
