"""Rules that span fields or sections, run once every field is valid; mostly what production must guarantee."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

from components.config.flags_rules import flags_problems
from components.config.monitoring_rules import monitoring_problems
from components.config.netlify import NetlifyConfig
from components.config.stack import StackConfig
from components.config.supabase import SupabaseConfig
from components.config.types import (
    GITHUB_HOSTED_LABEL,
    MAX_PRODUCTION_ROTATION_DAYS,
    MIN_PRODUCTION_AUDIT_RETENTION_DAYS,
    MIN_PRODUCTION_RETENTION_DAYS,
    PRODUCTION_ALLOWED_SCRIPT_HOSTS,
    SECURITY_OWNER,
    Problem,
)
from components.names import (
    CONFIGCAT_SDK_KEY_KEY,
    DEPLOY_TOKEN_SECRET,
    NETLIFY_CI_VARIABLES,
    PULL_REQUEST_CHECKS,
    PULL_REQUEST_STACK,
    SUPABASE_ANON_KEY_KEY,
    SUPABASE_CI_SECRETS,
    SUPABASE_CI_VARIABLES,
    SUPABASE_PUBLISHABLE_KEY_KEY,
    SUPABASE_URL_KEY,
    pattern_slug,
    record_name,
)
from policies.headers.csp_judgment import judge as judge_csp
from providers.supabase.validation import NOT_KNOWN, pooler_problems, project_problems

REQUIRED_SECRETS = {"database-password": "the Supabase database password"}


def cross_field_problems(cfg: StackConfig) -> list[Problem]:
    """Rules that span sections; mostly what production must guarantee."""
    problems: list[Problem] = []
    for name, why in REQUIRED_SECRETS.items():
        if name not in cfg.secrets:
            problems.append((f"secrets.{name}", f"missing: {why} is generated and rotated from it"))
    for name in cfg.netlify.domain_aliases:
        if name == cfg.netlify.custom_domain:
            problems.append(("netlify.domain_aliases", f"'{name}' repeats the custom domain"))
    if cfg.environment not in cfg.headers_path.split("/"):
        problems.append(
            ("headers.path", f"must name the stack (e.g. deploy/headers/{cfg.environment}/_headers): both stacks commit to one repo")
        )
    if cfg.netlify.domain_aliases and not cfg.netlify.custom_domain:
        problems.append(("netlify.domain_aliases", "aliases need a custom_domain"))
    problems += _dns_problems(cfg.netlify)
    problems += _secret_context_problems(cfg.netlify)
    problems += monitoring_problems(cfg)
    problems += flags_problems(cfg.flags, cfg.environment)
    problems += _consumer_problems(cfg)
    problems += _secret_key_problems(cfg)
    problems += _name_clashes(cfg)
    problems += _supabase_api_problems(cfg.supabase)
    problems += _backup_reach_problems(cfg)
    problems += _delivery_problems(cfg)
    if cfg.environment != SECURITY_OWNER and "security" in cfg.github.model_fields_set:
        problems.append(("github.security", (
            f"repository security settings are declared by the {SECURITY_OWNER} stack only "
            "(both stacks share the repositories): remove this section from this stack file")))
    if cfg.is_production:
        problems += _production_problems(cfg)
    return problems


def _secret_context_problems(netlify: NetlifyConfig) -> list[Problem]:
    """No secret reaches a build of pull-request code; each context is listed once."""
    contexts = netlify.secret_contexts
    problems: list[Problem] = []
    if len(set(contexts)) != len(contexts):
        problems.append(("netlify.secret_contexts", "list each context once"))
    if netlify.deploy_previews and "deploy-preview" in contexts:
        problems.append((
            "netlify.secret_contexts",
            "deploy-preview: deploy previews build pull-request code, which must not receive secrets "
            "(set deploy_previews: false, or deliver secrets to production and branch-deploy only)",
        ))
    return problems


def _delivery_problems(cfg: StackConfig) -> list[Problem]:
    """CI is the only publisher: config that assumes Netlify builds, or checks no job produces, is refused."""
    problems: list[Problem] = []
    for i, check in enumerate(cfg.github.ruleset.required_checks):
        if check not in PULL_REQUEST_CHECKS:
            problems.append((f"github.ruleset.required_checks[{i}]", (
                f"'{check}' is not a job of the pull-request workflow (delivery-{PULL_REQUEST_STACK}.yml), so no "
                f"pull request could ever merge: use one of {', '.join(PULL_REQUEST_CHECKS)}")))
    # docs.netlify.com "Stop or activate builds": with builds stopped "If requests are sent to build hook
    # URLs, Netlify will not build your site".
    if cfg.netlify.build_hooks:
        problems.append(("netlify.build_hooks", "Netlify builds nothing (build_settings.stop_builds: the delivery "
                         "workflow is the only publisher), so a build hook would trigger nothing: remove it and "
                         "re-run the workflow instead"))
    if "NODE_VERSION" in cfg.netlify.env:
        problems.append(("netlify.env.NODE_VERSION", "Netlify builds nothing: the pipeline builds with "
                         "delivery.node_version, set it there"))
    return problems


def _dns_problems(netlify: NetlifyConfig) -> list[Problem]:
    """A managed zone must exist and hold every domain the site answers on."""
    if not (netlify.manage_dns and netlify.custom_domain):
        return []
    zone = netlify.dns_zone
    if zone is None:
        return [("netlify.dns_zone", "required when manage_dns is on and a custom_domain is set")]
    problems: list[Problem] = []
    for key, name in [("custom_domain", netlify.custom_domain)] + [
        (f"domain_aliases[{i}]", alias) for i, alias in enumerate(netlify.domain_aliases)
    ]:
        if name != zone and not name.endswith("." + zone):
            problems.append((f"netlify.{key}", f"'{name}' is not inside the DNS zone '{zone}'"))
    return problems


def _inside(inner: IPv4Network | IPv6Network, outer: IPv4Network | IPv6Network) -> bool:
    """`inner` lies inside `outer`; networks of different families never do."""
    if isinstance(inner, IPv4Network) and isinstance(outer, IPv4Network):
        return inner.subnet_of(outer)
    if isinstance(inner, IPv6Network) and isinstance(outer, IPv6Network):
        return inner.subnet_of(outer)
    return False


def _backup_reach_problems(cfg: StackConfig) -> list[Problem]:
    """The backup job must be able to reach its database: restrictions hold for the pooler too.

    Supabase applies network restrictions "to all database connection routes, whether pooled or
    direct" (https://supabase.com/docs/guides/platform/network-restrictions), and GitHub-hosted
    runners connect from changing addresses, so with `allowed_cidrs`
    the nightly `pg_dump` (session pooler) works only from a runner whose egress is listed.
    """
    db, backups = cfg.supabase, cfg.backups
    problems: list[Problem] = []
    if backups.runner_egress_cidrs and backups.runner is None:
        problems.append(("backups.runner_egress_cidrs", "names the egress of backups.runner, which is not set"))
    restricted = bool(db.allowed_cidrs or db.allowed_cidrs_v6)
    if not (backups.enabled and restricted):
        return problems
    hosted = [label for label in backups.runner_labels if GITHUB_HOSTED_LABEL.match(label)]
    if backups.runner is None or hosted:
        what = f"'{hosted[0]}' is a GitHub-hosted runner" if hosted else "the backup job runs on a GitHub-hosted runner"
        problems.append((
            "backups.runner",
            f"{what}, whose egress address changes, and supabase.allowed_cidrs restricts every route to the database, "
            "the session pooler included: set backups.runner to a self-hosted or static-egress runner label and "
            "backups.runner_egress_cidrs to its egress networks (inside supabase.allowed_cidrs)",
        ))
    if not backups.runner_egress_cidrs:
        problems.append(("backups.runner_egress_cidrs",
                         "required while supabase.allowed_cidrs is set: the networks backups.runner connects from"))
    for i, egress in enumerate(backups.runner_egress_cidrs):
        v6 = egress.version == 6
        allowed = db.allowed_cidrs_v6 if v6 else db.allowed_cidrs
        key = "supabase.allowed_cidrs_v6" if v6 else "supabase.allowed_cidrs"
        if not any(_inside(egress, net) for net in allowed):
            listed = ", ".join(map(str, allowed)) or "none: an empty list admits no address"
            problems.append((f"backups.runner_egress_cidrs[{i}]",
                             f"{egress} is not inside {key} ({listed}): the backup job could not reach the database"))
    return problems


def _supabase_api_problems(cfg: SupabaseConfig) -> list[Problem]:
    """Region and instance size against the pinned Management API spec (its enums change; never hard-coded)."""
    key = {"region": "supabase.region", "instance_size": "supabase.instance_size",
           "name": "supabase.project_name", "organization_slug": "supabase.organization_slug"}
    props = {"organization_slug": cfg.organization_slug, "name": cfg.project_name, "region": cfg.region,
             "instance_size": cfg.instance_size, "db_pass": NOT_KNOWN}  # generated: the providers share the spec
    problems = [(key.get(field, f"supabase.{field}"), message) for field, message in project_problems(props)]
    pooler = {"pool_mode": cfg.pooler.pool_mode, "default_pool_size": cfg.pooler.default_pool_size}
    problems += [(f"supabase.pooler.{field}", message) for field, message in pooler_problems(pooler)]
    return problems


# Where each kind of consumer delivers, and the names already taken there by other config.
_CONSUMER_KINDS = {
    "github_secrets": "GitHub secret",
    "netlify_env": "Netlify env var",
    "supabase_secrets": "Supabase function secret",
}


def _name_clashes(cfg: StackConfig) -> list[Problem]:
    """Values that would give two resources one name (`release/*` and `release-*` both name `release-star`)."""
    groups = {
        "github.environment.branch_patterns": (pattern_slug, cfg.github.environment.branch_patterns),
        "github.environment.tag_patterns": (pattern_slug, cfg.github.environment.tag_patterns),
        "netlify.caa_issuers": (record_name, cfg.netlify.caa_issuers),
    }
    problems: list[Problem] = []
    for path, (name_of, values) in groups.items():
        seen: dict[str, str] = {}
        for value in values:
            other = seen.setdefault(name_of(value), value)
            if other != value:
                problems.append((path, f"'{value}' and '{other}' would name the same resource"))
    return problems


def _wired_names() -> dict[str, dict[str, str]]:
    """Names the program fills from other components' outputs; config may not claim them."""
    project = "the Supabase project's outputs"
    return {
        "github_secrets": {
            **dict.fromkeys((*SUPABASE_CI_VARIABLES, *SUPABASE_CI_SECRETS), project),
            **dict.fromkeys(NETLIFY_CI_VARIABLES, "the Netlify site's outputs"),
            DEPLOY_TOKEN_SECRET: "the deploy token (secret config maintainpro-platform:netlifyDeployToken)",
        },
        # VITE_SUPABASE_ANON_KEY even with `legacy_anon_key_env` off: the name is the publishable key's.
        "netlify_env": {**dict.fromkeys((SUPABASE_URL_KEY, SUPABASE_PUBLISHABLE_KEY_KEY, SUPABASE_ANON_KEY_KEY), project),
                        CONFIGCAT_SDK_KEY_KEY: "the ConfigCat environment's SDK key (components/flags.py)"},
    }


def _consumer_problems(cfg: StackConfig) -> list[Problem]:
    """One value per delivered name: two secrets (or a secret and a plain setting) never share one."""
    problems: list[Problem] = []
    wired = _wired_names()
    for section, keys in (("github.variables", cfg.github.variables), ("netlify.env", cfg.netlify.env)):
        kind = "github_secrets" if section == "github.variables" else "netlify_env"
        for key in keys:
            if key in wired[kind]:
                problems.append((f"{section}.{key}", f"is set by the program from {wired[kind][key]}"))
    taken = {
        "github_secrets": {**dict.fromkeys(cfg.github.variables, "github.variables"), **wired["github_secrets"]},
        "netlify_env": {**dict.fromkeys(cfg.netlify.env, "netlify.env"), **wired["netlify_env"]},
        "supabase_secrets": {},
    }
    # Secret API keys first: SUPABASE_SECRET_KEY is theirs to deliver, and no generated secret may take it.
    deliveries = [(f"supabase.secret_keys.keys.{name}", key.consumers)
                  for name, key in cfg.supabase.secret_keys.keys.items()]
    deliveries += [(f"secrets.{name}", secret.consumers) for name, secret in cfg.secrets.items()]
    for owner, consumers in deliveries:
        for kind, label in _CONSUMER_KINDS.items():
            for key in getattr(consumers, kind):
                path = f"{owner}.consumers.{kind}"
                if kind == "supabase_secrets" and key.startswith("SUPABASE_"):
                    problems.append((path, f"{key}: the SUPABASE_ prefix is reserved by Supabase"))
                elif key in SECRET_KEY_NAMES and not owner.startswith("supabase.secret_keys"):
                    problems.append((path, f"{key} is the name of a Supabase secret API key: deliver it from supabase.secret_keys"))
                elif key in taken[kind]:
                    problems.append((path, f"{label} {key} is also set by {taken[kind][key]}"))
                taken[kind][key] = owner
    return problems


# The names CI has always read the server-side Supabase key under: only a secret API key delivers them.
SECRET_KEY_NAMES = frozenset({"SUPABASE_SECRET_KEY"})


def _secret_key_problems(cfg: StackConfig) -> list[Problem]:
    """Secret API keys bypass row-level security: never to the browser build, each rotating with a shorter grace."""
    keys = cfg.supabase.secret_keys
    problems: list[Problem] = []
    for name, key in keys.keys.items():
        path = f"supabase.secret_keys.keys.{name}"
        if key.consumers.netlify_env:
            problems.append((f"{path}.consumers.netlify_env", "a secret API key bypasses row-level security and never "
                             "goes to the site's build (browser code): deliver it with github_secrets or supabase_secrets"))
        if not (key.consumers.github_secrets or key.consumers.supabase_secrets or key.consumers.netlify_env):
            problems.append((f"{path}.consumers", "no consumer: a key nobody receives should not exist"))
        if keys.grace_hours >= key.rotation_days * 24:
            problems.append(("supabase.secret_keys.grace_hours", f"{keys.grace_hours} h is not shorter than "
                             f"{path}.rotation_days ({key.rotation_days} d): the old key would outlive its successor's window"))
    return problems


def _production_problems(cfg: StackConfig) -> list[Problem]:
    problems: list[Problem] = []
    if not cfg.netlify.custom_domain:
        problems.append(("netlify.custom_domain", "production requires a custom domain"))
    if not cfg.netlify.force_ssl:
        problems.append(("netlify.force_ssl", "production must force HTTPS"))
    if cfg.github.environment.admins_bypass:
        problems.append(("github.environment.admins_bypass", "production reviewers cannot be bypassed by admins"))
    if not cfg.github.environment.reviewers:
        problems.append(("github.environment.reviewers", "production requires at least one required reviewer"))
    env = cfg.github.environment
    if not (env.protected_branches_only or env.branch_patterns or env.tag_patterns):
        problems.append(
            ("github.environment", "production must limit deployments to protected branches or branch/tag patterns")
        )
    if not cfg.backups.enabled:
        problems.append(("backups.enabled", "production requires backups"))
    if cfg.backups.rto_minutes > 15:
        problems.append(("backups.rto_minutes", "production recovery time objective is at most 15 minutes"))
    if cfg.backups.minimum_retention_days < MIN_PRODUCTION_RETENTION_DAYS:
        problems.append(
            (
                "backups.minimum_retention_days",
                f"production keeps backups at least {MIN_PRODUCTION_RETENTION_DAYS} days (got {cfg.backups.minimum_retention_days})",
            )
        )
    if cfg.backups.audit_retention_days < MIN_PRODUCTION_AUDIT_RETENTION_DAYS:
        problems.append((
            "backups.audit_retention_days",
            f"production keeps its audit trail at least {MIN_PRODUCTION_AUDIT_RETENTION_DAYS} days "
            f"(got {cfg.backups.audit_retention_days})",
        ))
    if cfg.supabase.allow_destroy:
        problems.append(("supabase.allow_destroy", "production data cannot be marked destroyable"))
    if not cfg.supabase.ssl_enforced:
        problems.append(("supabase.ssl_enforced", "production requires SSL enforcement"))
    for name, secret in cfg.secrets.items():
        if secret.rotation_days > MAX_PRODUCTION_ROTATION_DAYS:
            problems.append(
                (
                    f"secrets.{name}.rotation_days",
                    f"production secrets rotate at least every {MAX_PRODUCTION_ROTATION_DAYS} days (got {secret.rotation_days})",
                )
            )
    for name, key in cfg.supabase.secret_keys.keys.items():
        if key.rotation_days > MAX_PRODUCTION_ROTATION_DAYS:
            problems.append((f"supabase.secret_keys.keys.{name}.rotation_days",
                             f"production secrets rotate at least every {MAX_PRODUCTION_ROTATION_DAYS} days (got {key.rotation_days})"))
    if cfg.supabase.legacy_api_keys != "disabled":
        problems.append(("supabase.legacy_api_keys", "production must be 'disabled': the legacy anon and service_role "
                         "JWTs never rotate; nothing in the program delivers them"))
    # The audit's judgment (policies/headers/csp_judgment.py), so a production CSP it would fail never
    # gets that far. Supabase's connect-src origins are added at render time and judged by neither.
    for finding in judge_csp({str(name): sources for name, sources in cfg.headers.csp.items()},
                             PRODUCTION_ALLOWED_SCRIPT_HOSTS):
        problems.append((f"headers.csp.{finding.directive}", f"production refuses this CSP: {finding.text}"))
    return problems
