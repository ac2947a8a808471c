// Module hooks for observatory_score.mjs: the Observatory's `scan()` runs unchanged, except that
// its retriever (network I/O) and its HSTS preload list (downloaded at install time) are swapped
// for offline stand-ins in this directory.
const here = new URL("./", import.meta.url);
const SWAPS = [
  ["/src/retriever/retriever.js", new URL("observatory_retriever.mjs", here).href],
  ["/src/analyzer/hsts.js", new URL("observatory_hsts.mjs", here).href],
];

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.url.includes("/@mdn/mdn-http-observatory/")) {
    for (const [suffix, replacement] of SWAPS) {
      if (resolved.url.endsWith(suffix)) {
        return { url: replacement, shortCircuit: true };
      }
    }
  }
  return resolved;
}
