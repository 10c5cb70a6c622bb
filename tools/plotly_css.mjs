// plotly.js under a Content Security Policy with no inline styles.
//
// plotly.js injects <style> elements, which the policy refuses: its own rules (skipped when
// the page has an element with id "plotly.js-style-global" and class "no-inline-styles") and
// bundled stylesheets such as MapLibre's (skipped when an element with that stylesheet's id
// exists). This writes all of that CSS to one static file, and a small script, loaded just
// before plotly.js, that links it and claims those ids. A plotly.js upgrade that injects
// styles some other way stops the build here rather than breaking the charts in the browser.
//
// Usage: node tools/plotly_css.mjs <plotly.min.js> <out.css> <out.js>
import { readFileSync, writeFileSync } from "node:fs";

const [source, cssTarget, jsTarget] = process.argv.slice(2);
const code = readFileSync(source, "utf8");

function fail(message) {
  throw new Error(`${source}: ${message} (see tools/plotly_css.mjs)`);
}

// The index just past the string or object literal starting at `from`.
function literalEnd(text, from) {
  const opening = text[from];
  const closing = opening === "{" ? "}" : opening;
  let quote = null;
  for (let i = from + 1; i < text.length; i += 1) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i += 1;
      else if (c === quote) quote = null;
    } else if (c === closing) return i + 1;
    else if (opening === "{" && (c === '"' || c === "'")) quote = c;
    else if (opening !== "{" && c === "\\") i += 1;
  }
  return fail("a literal does not end");
}

// Literals from plotly.js itself, holding only strings: evaluated, as JSON cannot read them.
const evaluate = (literal) => Function(`"use strict"; return (${literal});`)();

function plotlyRules() {
  const start = code.indexOf('{"X,X div":');
  if (start < 0) fail('plotly.js\'s style table ({"X,X div": ...}) was not found');
  const rules = evaluate(code.slice(start, literalEnd(code, start)));
  return Object.entries(rules).map(([selector, body]) => {
    const full = selector
      .replace(/^,/, " ,")
      .replace(/X/g, ".js-plotly-plot .plotly")
      .replace(/Y/g, ".plotly-notifier");
    return `${full}{${body}}`;
  });
}

function bundledStylesheets() {
  const pattern =
    /getElementById\("([0-9a-f]{64})"\)\)\{var (\w+)=document\.createElement\("style"\);\2\.id="\1",\2\.textContent=/g;
  return [...code.matchAll(pattern)].map((match) => {
    const start = match.index + match[0].length;
    return { id: match[1], css: evaluate(code.slice(start, literalEnd(code, start))) };
  });
}

const bundled = bundledStylesheets();
const injections = code.split('createElement("style")').length - 1;
if (injections !== bundled.length + 1) {
  fail(`${injections} <style> injections, ${bundled.length + 1} of them known`);
}

const css = [...plotlyRules(), ...bundled.map((sheet) => sheet.css)].join("\n");
writeFileSync(cssTarget, `/* plotly.js styles, extracted by tools/plotly_css.mjs */\n${css}\n`);

const ids = JSON.stringify(bundled.map((sheet) => sheet.id));
writeFileSync(
  jsTarget,
  `// Written by tools/plotly_css.mjs: load just before plotly.js, with data-stylesheet naming
// css/plotly.css. Links plotly.js's styles as a static file and claims the ids of the <style>
// elements plotly.js would otherwise inject.
(function () {
  "use strict";
  var link = document.createElement("link");
  link.id = "plotly.js-style-global";
  link.className = "no-inline-styles";
  link.rel = "stylesheet";
  // The stylesheet's (hashed) address, from the template's {% static %}.
  link.href = document.currentScript.dataset.stylesheet;
  document.head.appendChild(link);
  ${ids}.forEach(function (id) {
    var claimed = document.createElement("meta");
    claimed.id = id;
    document.head.appendChild(claimed);
  });
})();
`,
);
