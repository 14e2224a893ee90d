// After `redocly build-docs --inlineBundle`: Redoc's "API docs by Redocly" badge loads its logo from
// cdn.redoc.ly, the one request the rendered docs make off the machine (there is no option to turn
// it off). The built HTML gets the logo inline instead, as a small SVG data URI, and the build fails
// when any cdn.redoc.ly address is left, so that a Redocly upgrade that adds one is noticed.
// Usage: node scripts/offline-docs.mjs dist/docs.html [more.html...]
import { readFileSync, writeFileSync } from 'node:fs';

const logo = (width) =>
  `data:image/svg+xml,${encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="16" viewBox="0 0 ${width} 16"><text x="0" y="12.5" font-family="sans-serif" font-size="12" font-weight="600" fill="#5f6b7a">Redocly</text></svg>`,
  )}`;
const replacements = [
  ['https://cdn.redoc.ly/redoc/logo-mini-full.svg', logo(48)],
  ['https://cdn.redoc.ly/redoc/logo-mini.svg', logo(48)],
];

let failed = false;
for (const file of process.argv.slice(2)) {
  let html = readFileSync(file, 'utf8');
  for (const [from, to] of replacements) html = html.split(from).join(to);
  const left = [...new Set(html.match(/https?:\/\/cdn\.redoc\.ly\/[^\s"'`)]*/g) ?? [])];
  if (left.length > 0) {
    console.error(`${file}: still loads from cdn.redoc.ly: ${left.join(', ')}`);
    failed = true;
  }
  writeFileSync(file, html);
}
process.exit(failed ? 1 : 0);
