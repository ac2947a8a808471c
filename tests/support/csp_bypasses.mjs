// Print Google's CSP Evaluator allowlist-bypass lists (npm csp_evaluator) as the JSON that
// policies/headers/csp_bypasses.json vendors: `node tests/support/csp_bypasses.mjs > policies/headers/csp_bypasses.json`.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import angular from "csp_evaluator/dist/allowlist_bypasses/angular.js";
import flash from "csp_evaluator/dist/allowlist_bypasses/flash.js";
import jsonp from "csp_evaluator/dist/allowlist_bypasses/jsonp.js";

const require = createRequire(import.meta.url);
const { version } = JSON.parse(readFileSync(require.resolve("csp_evaluator/package.json"), "utf8"));

const lists = {
  source: `csp_evaluator ${version} dist/allowlist_bypasses`,
  angular: angular.URLS,
  jsonp: jsonp.URLS,
  jsonp_needs_eval: jsonp.NEEDS_EVAL,
  flash: flash.URLS,
};
process.stdout.write(JSON.stringify(lists, null, 1) + "\n");
