"""Names the program wires between components, in one module that imports nothing of the project.

The config model refuses values that would clash with these (a `netlify.env` key the program
fills from the Supabase project, two branch patterns naming one resource), and the components
use them to name and fill what they create: both read them here, so neither imports the other.
"""

from __future__ import annotations

# ---------------------------------------------------------------- resource names


def pattern_slug(pattern: str) -> str:
    """A resource-name-safe form of a branch/tag pattern (`release/*` → `release-star`)."""
    return pattern.replace("*", "star").replace("/", "-").replace(".", "-")


def record_name(domain: str) -> str:
    """A resource-name-safe form of a DNS name (`letsencrypt.org` → `letsencrypt-org`)."""
    return domain.replace(".", "-")


# ---------------------------------------------------------------- the site's build (Netlify env vars)

SUPABASE_URL_KEY = "VITE_SUPABASE_URL"
SUPABASE_PUBLISHABLE_KEY_KEY = "VITE_SUPABASE_PUBLISHABLE_KEY"
# The name the app read before publishable keys; filled with the publishable key while
# `netlify.legacy_anon_key_env` is on: supabase-js takes a publishable key wherever it took the anon
# key (supabase.com/changelog/29260: "A single publishable key ... can be used to replace the anon key").
SUPABASE_ANON_KEY_KEY = "VITE_SUPABASE_ANON_KEY"
# The stack's ConfigCat environment's SDK key, for the browser SDK (configcat-react's `ConfigCatProvider
# sdkKey`): like the publishable key, public once built.
CONFIGCAT_SDK_KEY_KEY = "VITE_CONFIGCAT_SDK_KEY"

# ---------------------------------------------------------------- CI (the stack's GitHub environment)

# What CI receives from the Supabase project: plain variables, and secrets
# (migrations connect through the session pooler, since GitHub-hosted runners cannot reach the
# IPv6-only direct host; the backup job has its own environment and URL). Server-side jobs' secret
# API key (`SUPABASE_SECRET_KEY`, replacing the legacy service_role key) is a rotating
# `supabase.secret_keys` key of its own, never the project's unrotated `default` one.
SUPABASE_CI_VARIABLES = ("SUPABASE_PROJECT_REF", "SUPABASE_URL")
SUPABASE_CI_SECRETS = ("SUPABASE_DB_URL",)

# What CI receives from the Netlify site: the id `netlify deploy` and `ops rollback`-style jobs
# address it by.
NETLIFY_CI_VARIABLES = ("NETLIFY_SITE_ID",)

# ---------------------------------------------------------------- delivery (the generated pipeline)

# The secret of each stack's deploying GitHub environment(s) holding the Netlify token `ops deploy`
# and `ops promote` read (the name the Netlify CLI and ops/rollback.py read too).
DEPLOY_TOKEN_SECRET = "NETLIFY_AUTH_TOKEN"
# The stack whose workflow runs the pull-request checks and deploys pull-request previews (to its site).
PULL_REQUEST_STACK = "staging"
# The pull-request jobs of that workflow: each job's id is its status check's name, so these are the
# only names `github.ruleset.required_checks` may require (a check nothing produces blocks every merge).
PULL_REQUEST_CHECKS = ("lint", "unit", "e2e", "audit", "build", "lighthouse", "preview")


def preview_environment(stack: str) -> str:
    """The GitHub environment pull-request previews deploy through: any branch, no reviewers."""
    return f"{stack}-preview"

# ---------------------------------------------------------------- backups (the `<stack>-backups` environment)

# The Checkly heartbeat ping URL each backup workflow job reads, by job: an environment secret of the
# backup environment only (components/backups.py), pinged after the job verified its work.
HEARTBEAT_SECRETS = {"backup": "BACKUP_HEARTBEAT_URL", "restore-drill": "RESTORE_DRILL_HEARTBEAT_URL"}
