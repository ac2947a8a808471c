// Score one response with the MDN HTTP Observatory's own scanner, offline.
// stdin: {"hostname": str, "headers": {name: value}, "html": str, "httpsRedirect": bool}
// stdout: {"score": int, "grade": str, "tests": {name: {"result": str, "pass": bool, "scoreModifier": int}}}
import { register } from "node:module";
import { readFileSync } from "node:fs";

register("./observatory_hooks.mjs", import.meta.url);

globalThis.__observatoryInput = JSON.parse(readFileSync(0, "utf8"));
const { scan } = await import("@mdn/mdn-http-observatory");
const result = await scan(globalThis.__observatoryInput.hostname);
const tests = Object.fromEntries(
  Object.entries(result.tests).map(([name, t]) => [
    name,
    { result: t.result, pass: t.pass, scoreModifier: t.scoreModifier },
  ])
);
process.stdout.write(
  JSON.stringify({ score: result.scan.score, grade: result.scan.grade, tests }) + "\n"
);
