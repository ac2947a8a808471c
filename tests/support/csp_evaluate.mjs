// Evaluate one Content-Security-Policy with Google's CSP Evaluator (npm csp_evaluator).
// stdin: the policy text. stdout: [{"severity": "HIGH"|..., "directive", "value", "description"}]
import { readFileSync } from "node:fs";
import evaluatorModule from "csp_evaluator/dist/evaluator.js";
import parserModule from "csp_evaluator/dist/parser.js";
import findingModule from "csp_evaluator/dist/finding.js";

const { CspEvaluator } = evaluatorModule;
const { CspParser } = parserModule;
const { Severity } = findingModule;

const policy = readFileSync(0, "utf8").trim();
const findings = new CspEvaluator(new CspParser(policy).csp).evaluate();
process.stdout.write(
  JSON.stringify(
    findings.map((f) => ({
      severity: Severity[f.severity],
      directive: f.directive,
      value: f.value ?? null,
      description: f.description,
    }))
  ) + "\n"
);
