// Copies the browser builds of our npm packages into static/vendor, which the
// templates reference; node_modules itself is never served.
import { cpSync, mkdirSync, rmSync } from "node:fs";

const files = {
  "htmx.org/dist/htmx.min.js": "htmx.min.js",
  "htmx-ext-sse/dist/sse.min.js": "htmx-sse.min.js",
  "sortablejs/Sortable.min.js": "Sortable.min.js",
  "bootstrap/dist/css/bootstrap.min.css": "bootstrap.min.css",
  "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap.bundle.min.js",
  "bootstrap-icons/font/bootstrap-icons.min.css": "bootstrap-icons.min.css",
  "bootstrap-icons/font/fonts": "fonts",
  "chart.js/dist/chart.umd.min.js": "chart.umd.min.js",
  "prismjs/components/prism-core.min.js": "prism/prism-core.min.js",
  "prismjs/components/prism-clike.min.js": "prism/prism-clike.min.js",
  "prismjs/components/prism-javascript.min.js": "prism/prism-javascript.min.js",
  "prismjs/components/prism-python.min.js": "prism/prism-python.min.js",
  "prismjs/themes/prism.min.css": "prism/prism.min.css",
};

rmSync("static/vendor", { recursive: true, force: true });
mkdirSync("static/vendor", { recursive: true });
for (const [src, dest] of Object.entries(files)) {
  cpSync(`node_modules/${src}`, `static/vendor/${dest}`, { recursive: true });
}
console.log(`static/vendor: ${Object.keys(files).length} assets copied`);
