// Writes plotly.js's own stylesheet as a static CSS file, so the strict Content Security Policy
// (no inline styles) need not allow the <style> element plotly.js would otherwise inject.
// plotly.js skips its injection when the page has an element with id "plotly.js-style-global"
// and class "no-inline-styles" (templates/metrics/includes/chart_scripts.html links this file
// that way). The rules are plotly's `{"X,X div": "...", ...}` table, expanded as plotly.js does.
// Usage: node tools/plotly_css.mjs <plotly.min.js> <out.css>
import { readFileSync, writeFileSync } from "node:fs";

const [source, target] = process.argv.slice(2);
const code = readFileSync(source, "utf8");
const start = code.indexOf('{"X,X div":');
if (start < 0) {
  throw new Error(`${source}: plotly.js's style table ({"X,X div": ...}) was not found`);
}

// The end of the object literal: the first closing brace outside a string.
function literalEnd(text, from) {
  let quote = null;
  for (let i = from; i < text.length; i += 1) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i += 1;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "}") return i + 1;
  }
  throw new Error(`${source}: plotly.js's style table does not end`);
}

const literal = code.slice(start, literalEnd(code, start));
// The literal holds only strings; JSON cannot read its single-quoted ones, so evaluate it.
const rules = Function(`"use strict"; return (${literal});`)();
const css = Object.entries(rules)
  .map(([selector, body]) => {
    const full = selector
      .replace(/^,/, " ,")
      .replace(/X/g, ".js-plotly-plot .plotly")
      .replace(/Y/g, ".plotly-notifier");
    return `${full}{${body}}`;
  })
  .join("\n");
writeFileSync(target, `/* plotly.js styles, extracted by tools/plotly_css.mjs */\n${css}\n`);
