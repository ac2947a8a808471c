"""`NetlifySite`: the front end of one stack on Netlify, built from the stack's `netlify` section.

Production serves on its custom domain (plus aliases) with HTTPS forced, a Let's Encrypt
certificate, and a Netlify DNS zone linked to the site (Netlify serves the site's domains in it
with its own NETLIFY records) whose records add CAA for the allowed issuers; staging serves on
its Netlify subdomain. Branch deploys, build hooks and environment variables per deploy context
come from the config; values produced elsewhere (the Supabase URL and publishable key, rotated secrets)
arrive as `pulumi.Input`s. Secrets never reach deploy previews, which build pull-request code.

Netlify builds nothing (`stop_builds`): the delivery pipeline builds in CI and deploys through the
API (components/pipeline.py), with the build values `build_values` hands it, the same the site's
env vars are made from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_github as github

from components.config import DeployContext, EnvVarConfig, NetlifyConfig, StackConfig
from components.errors import ComponentError
from components.names import (
    CONFIGCAT_SDK_KEY_KEY,
    SUPABASE_ANON_KEY_KEY,
    SUPABASE_PUBLISHABLE_KEY_KEY,
    SUPABASE_URL_KEY,
)
from components.names import NETLIFY_CI_VARIABLES as CI_VARIABLES
from components.names import record_name as _record_name
from providers.netlify.certificate import Certificate, CertificateArgs
from providers.netlify.deploy_key import DeployKey
from providers.netlify.dns_record import DnsRecord, DnsRecordArgs
from providers.netlify.dns_zone import DnsZone, DnsZoneArgs
from providers.netlify.env_var import EnvValueArgs, EnvVar, EnvVarArgs
from providers.netlify.site import Site, SiteArgs, SiteRepoArgs

# Contexts a value produced by another component applies to: every deploy of this stack's site.
BUILT_CONTEXTS = ("production", "deploy-preview", "branch-deploy")


@dataclass(frozen=True)
class NetlifySiteArgs:
    netlify: NetlifyConfig
    # "owner/name" of the app repository the site builds from.
    repo_path: str
    supabase_url: pulumi.Input[str] | None = None
    supabase_publishable_key: pulumi.Input[str] | None = None
    # The stack's ConfigCat environment's SDK key (components/flags.py), for the browser SDK.
    configcat_sdk_key: pulumi.Input[str] | None = None
    # Generated secrets delivered as secret env vars (key -> value), e.g. from the secrets component.
    secret_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Production: the DNS zone (with records not managed here, e.g. mail) is protect and retain_on_delete.
    production: bool = False

    @classmethod
    def from_stack(
        cls, cfg: StackConfig, *, supabase_url: pulumi.Input[str] | None = None,
        supabase_publishable_key: pulumi.Input[str] | None = None,
        secret_env: Mapping[str, pulumi.Input[str]] | None = None,
        configcat_sdk_key: pulumi.Input[str] | None = None,
    ) -> NetlifySiteArgs:
        return cls(
            netlify=cfg.netlify,
            repo_path=f"{cfg.github.owner}/{cfg.github.app_repo}",
            supabase_url=supabase_url,
            supabase_publishable_key=supabase_publishable_key,
            configcat_sdk_key=configcat_sdk_key,
            secret_env=dict(secret_env or {}),
            production=cfg.is_production,
        )


def context_values(netlify: NetlifyConfig, context: DeployContext) -> dict[str, str]:
    """The plain `netlify.env` values a build in `context` gets: the context's own value, else `all`'s
    (Netlify's precedence), for variables scoped to builds."""
    out = {}
    for key, var in netlify.env.items():
        value = var.values.get(context, var.values.get("all"))
        if "builds" in var.scopes and value is not None:
            out[key] = value
    return out


def env_values(config: EnvVarConfig) -> list[EnvValueArgs]:
    """Config values per context (and per branch) as the API's value objects."""
    values = [EnvValueArgs(context=context, value=value) for context, value in config.values.items()]
    values += [
        EnvValueArgs(context="branch", context_parameter=branch, value=value)
        for branch, value in config.branch_values.items()
    ]
    return values


def allowed_branches(netlify: NetlifyConfig) -> list[str]:
    """The production branch, plus the branch-deploy branches when branch deploys are on."""
    branches = [netlify.production_branch]
    if netlify.branch_deploys.enabled:
        branches += [b for b in netlify.branch_deploys.branches if b != netlify.production_branch]
    return branches


def repository_name(repo_path: str) -> str:
    """`owner/name` -> `name`: GitHub resources take the name; the owner is the github provider's."""
    owner, _, repo = repo_path.partition("/")
    if not owner or not repo or "/" in repo:
        raise ComponentError(f"repo_path {repo_path!r} must be 'owner/name'")
    return repo


class NetlifySite(pulumi.ComponentResource):
    config: NetlifyConfig
    site: Site
    site_id: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: NetlifySiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("maintainpro:site:NetlifySite", name, None, opts)
        cfg = self.config = args.netlify
        child = pulumi.ResourceOptions(parent=self)

        publishable = {SUPABASE_PUBLISHABLE_KEY_KEY: args.supabase_publishable_key}
        if cfg.legacy_anon_key_env:
            publishable[SUPABASE_ANON_KEY_KEY] = args.supabase_publishable_key
        generated = {k: v for k, v in {SUPABASE_URL_KEY: args.supabase_url, **publishable,
                                       CONFIGCAT_SDK_KEY_KEY: args.configcat_sdk_key}.items() if v is not None}
        from_elsewhere = [*generated, *args.secret_env]
        clashes = sorted({k for k in from_elsewhere if k in cfg.env or from_elsewhere.count(k) > 1})
        if clashes:
            raise ComponentError(f"netlify.env: {', '.join(clashes)} also come(s) from another component")

        self.deploy_key = DeployKey(f"{name}-deploy-key", opts=child)
        # Netlify clones the (private) app repo with this key: without it on the repository no build runs.
        self.repository_deploy_key = github.RepositoryDeployKey(
            f"{name}-repo-deploy-key",
            repository=repository_name(args.repo_path),
            title=f"Netlify site {cfg.site_name}",
            key=self.deploy_key.public_key,
            read_only=True,
            opts=child,
        )
        self.site = Site(
            f"{name}-site",
            SiteArgs(
                name=cfg.site_name,
                account_slug=cfg.team_slug,
                repo=SiteRepoArgs(
                    provider="github",
                    repo_path=args.repo_path,
                    repo_branch=cfg.production_branch,
                    # Kept as the record of how the app builds (CI runs the same command); Netlify
                    # never runs it while builds are stopped, a netlify.toml's command would override it.
                    cmd=cfg.build_command,
                    dir=cfg.publish_dir,
                    allowed_branches=allowed_branches(cfg),
                    deploy_key_id=self.deploy_key.key_id,
                    skip_prs=not cfg.deploy_previews,
                    # CI is the only publisher: Netlify builds no push, pull request (a fork's
                    # included), branch or build hook; API deploys stay allowed.
                    stop_builds=True,
                ),
                prevent_non_git_prod_deploys=False,
                custom_domain=cfg.custom_domain,
                domain_aliases=list(cfg.domain_aliases) if cfg.custom_domain else None,
                force_ssl=cfg.force_ssl,
                pretty_urls=cfg.pretty_urls,
            ),
            child,
        )
        site_id = self.site.site_id

        self._generated = generated
        self.env_vars: list[EnvVar] = []
        for key, var in cfg.env.items():
            self._env(name, key, EnvVarArgs(account_id=cfg.team_slug, site_id=site_id, key=key,
                                            values=env_values(var), scopes=list(var.scopes), is_secret=False))
        for key, value in generated.items():
            self._env(name, key, EnvVarArgs(
                account_id=cfg.team_slug, site_id=site_id, key=key,
                values=[EnvValueArgs(context=c, value=value) for c in BUILT_CONTEXTS], scopes=["builds"]))
        # Never the deploy-preview context while previews build pull requests (the config refuses it).
        for key, value in args.secret_env.items():
            self._env(name, key, EnvVarArgs(
                account_id=cfg.team_slug, site_id=site_id, key=key,
                values=[EnvValueArgs(context=c, value=pulumi.Output.secret(value)) for c in cfg.secret_contexts],
                scopes=["builds", "functions", "runtime"], is_secret=True))

        self.dns_zone: DnsZone | None = None
        self.certificate: Certificate | None = None
        records: list[DnsRecord] = []
        if cfg.custom_domain and cfg.manage_dns and cfg.dns_zone:
            # Linked to the site: Netlify DNS then serves the custom domain and aliases with its own
            # NETLIFY/NETLIFYv6 records and refuses another address record at those names ("link
            # exists, all config must be empty", Netlify support guide on NETLIFY records), so no
            # CNAME/ALIAS is made for them here. The zone may hold records made outside this program.
            self.dns_zone = DnsZone(
                f"{name}-zone",
                DnsZoneArgs(name=cfg.dns_zone, account_slug=cfg.team_slug, site_id=site_id),
                pulumi.ResourceOptions(parent=self, protect=args.production, retain_on_delete=args.production),
            )
            zone_id = self.dns_zone.zone_id
            for issuer in cfg.caa_issuers:
                records.append(DnsRecord(
                    f"{name}-caa-{_record_name(issuer)}",
                    DnsRecordArgs(zone_id=zone_id, type="CAA", hostname=cfg.dns_zone, value=issuer, flag=0,
                                  tag="issue"),
                    child))
        self.dns_records = records
        if cfg.custom_domain:
            # Let's Encrypt validates over DNS/HTTP, so the records (and CAA) must exist first.
            self.certificate = Certificate(
                f"{name}-certificate",
                CertificateArgs(site_id=site_id, domains=[cfg.custom_domain, *cfg.domain_aliases],
                                dns_servers=self.dns_zone.dns_servers if self.dns_zone else None),
                pulumi.ResourceOptions(parent=self, depends_on=list(records)),
            )

        self.url = pulumi.Output.from_input(
            f"https://{cfg.custom_domain}" if cfg.custom_domain else self.site.ssl_url
        )
        self.site_id = site_id
        # The name servers to delegate the zone to at the registrar; None when DNS is not managed here.
        self.dns_servers: pulumi.Output[list[str]] | None = self.dns_zone.dns_servers if self.dns_zone else None
        self.ci_variables: dict[str, pulumi.Input[str]] = dict(zip(CI_VARIABLES, (site_id,), strict=True))
        self.register_outputs({
            "site_id": site_id,
            "url": self.url,
            "deploy_public_key": self.deploy_key.public_key,
            "dns_servers": self.dns_servers or [],
        })

    def build_values(self, context: DeployContext) -> dict[str, pulumi.Input[str]]:
        """What a build for deploy context `context` inlines (Vite: every `VITE_*`): the plain env vars
        scoped to builds and the values wired from the Supabase project and the ConfigCat environment;
        the env vars' own source.

        The publishable key and the ConfigCat SDK key arrive secret (each is public only once built);
        generated secrets are not build values: the build runs without any.
        """
        return {**context_values(self.config, context), **self._generated}

    def _env(self, name: str, key: str, args: EnvVarArgs) -> None:
        self.env_vars.append(
            EnvVar(f"{name}-env-{key}", args, pulumi.ResourceOptions(parent=self))
        )
