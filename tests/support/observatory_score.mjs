// Score responses with the MDN HTTP Observatory's own scanner, offline.
// stdin: one JSON request per line: {"hostname": str, "headers": {name: value}, "html": str, "httpsRedirect": bool}
// stdout: one JSON answer per line:
//   {"score": int, "grade": str, "tests": {name: {"result": str, "pass": bool, "scoreModifier": int}}}
//   or {"error": str}. One process serves many requests: importing the scanner is the slow part.
import { register } from "node:module";
import { createInterface } from "node:readline";

register("./observatory_hooks.mjs", import.meta.url);
const { scan } = await import("@mdn/mdn-http-observatory");

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  let answer;
  try {
    globalThis.__observatoryInput = JSON.parse(line);
    const result = await scan(globalThis.__observatoryInput.hostname);
    const tests = Object.fromEntries(
      Object.entries(result.tests).map(([name, t]) => [
        name,
        { result: t.result, pass: t.pass, scoreModifier: t.scoreModifier },
      ])
    );
    answer = { score: result.scan.score, grade: result.scan.grade, tests };
  } catch (error) {
    answer = { error: String(error?.stack ?? error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
