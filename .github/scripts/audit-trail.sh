#!/usr/bin/env bash
# The audit trail of one CI job (docs/ARCHITECTURE.md, "Audit trail"). For each Pulumi command given
# (preview, up) whose engine event log audit/<command>-events.jsonl exists, the policy report
# audit/<command>-report.json is built from it (`ops audit --from-event-log`) and both are written
# with the run's record (commit, actor, approvals, changes, policy result) under the stack's backup
# bucket's audit/ prefix, object-locked (`ops audit-record`). Needs STACK, GH_TOKEN (actions: read)
# and the job's AWS session; runs from the repository root.
set -euo pipefail
mkdir -p audit
# Who approved this run's environment (production's reviewers); an empty list for the others.
gh api "repos/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/approvals" > audit/approvals.json
for command in "$@"; do
  log="audit/$command-events.jsonl"
  if [ ! -s "$log" ]; then
    echo "audit trail: no $log (pulumi $command did not start): nothing to record"
    continue
  fi
  report="audit/$command-report.json"
  # Exit 1 is a mandatory policy failure, which the report itself records.
  code=0
  .venv/bin/python -m ops audit --stack "$STACK" --from-event-log "$log" --format json --output "$report" || code=$?
  if [ "$code" -gt 1 ]; then
    echo "audit trail: no policy report for $log (ops audit exited $code): recording the run without one"
    report=""
  fi
  .venv/bin/python -m ops audit-record --stack "$STACK" --command "$command" --event-log "$log" \
    ${report:+--report "$report"} --approvals audit/approvals.json
done
