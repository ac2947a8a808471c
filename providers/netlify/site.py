"""Netlify site: name, team, linked repo + build settings, domains, HTTPS, pretty URLs.

Only `account_slug` (the owning team) forces a replacement, deleting first: site names are
global, so the new team's site cannot be made while the old one holds the name. Everything else
is PATCHed in place and only the fields that changed are sent, so a no-change update writes
nothing. Two build settings are written under other names than they read back as (see `apply`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi

from providers.netlify.common import (
    NetlifyProvider,
    Problems,
    Props,
    hostname,
    secret_opts,
    to_props,
    with_outputs,
)

SITE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
REPO_PROVIDERS = ("github", "gitlab", "bitbucket", "azure_devops")
REPO_FIELDS = ("provider", "repo_path", "repo_branch", "cmd", "dir", "allowed_branches", "deploy_key_id", "skip_prs",
               "stop_builds")
# netlify/open-api#358: a PATCH of `build_settings.repo_branch` is ignored by the live API; the UI
# (and Netlify's Terraform provider, internal/provider/site_build_settings_resource.go) write
# `build_settings.branch`, which reads back as `repo_branch`.
WRITTEN_AS = {"repo_branch": "branch"}
DOMAIN_FIELDS = ("custom_domain", "branch_deploy_custom_domain", "deploy_preview_custom_domain")
OUTPUTS = ("site_id", "url", "ssl_url", "admin_url")


@dataclass(frozen=True)
class SiteRepoArgs:
    """The linked Git repository and its build settings (Netlify's `repo` / `build_settings`)."""

    provider: pulumi.Input[str]
    repo_path: pulumi.Input[str]
    repo_branch: pulumi.Input[str]
    cmd: pulumi.Input[str] | None = None
    dir: pulumi.Input[str] | None = None
    allowed_branches: pulumi.Input[list[str]] | None = None
    deploy_key_id: pulumi.Input[str] | None = None
    # True turns Deploy Previews (builds of pull requests) off: Netlify's Terraform provider
    # writes `build_settings.skip_prs = !deploy_previews` (site_build_settings_resource.go).
    skip_prs: pulumi.Input[bool] | None = None
    # True: Netlify builds nothing from the repository, neither production nor Deploy Previews nor
    # branch deploys nor build hooks (the spec's repoInfo.stop_builds: "publish new deploys manually
    # via the CLI or the API"; docs.netlify.com "Stop or activate builds").
    stop_builds: pulumi.Input[bool] | None = None


@dataclass(frozen=True)
class SiteArgs:
    name: pulumi.Input[str]
    account_slug: pulumi.Input[str] | None = None
    repo: SiteRepoArgs | None = None
    custom_domain: pulumi.Input[str] | None = None
    domain_aliases: pulumi.Input[list[str]] | None = None
    force_ssl: pulumi.Input[bool] | None = None
    pretty_urls: pulumi.Input[bool] | None = None
    # True blocks production deploys that do not come from a Netlify build of the repository, i.e.
    # every API/CLI deploy: must stay false while builds are stopped and CI publishes (spec: site
    # property, default false).
    prevent_non_git_prod_deploys: pulumi.Input[bool] | None = None
    branch_deploy_custom_domain: pulumi.Input[str] | None = None
    deploy_preview_custom_domain: pulumi.Input[str] | None = None


def _domains(values: list[str]) -> list[str]:
    return sorted({hostname(v) for v in values})


class SiteProvider(NetlifyProvider):
    kind = "netlify site"
    inputs: ClassVar[tuple[str, ...]] = (
        "name",
        "account_slug",
        "repo",
        "custom_domain",
        "domain_aliases",
        "force_ssl",
        "pretty_urls",
        "prevent_non_git_prod_deploys",
        "branch_deploy_custom_domain",
        "deploy_preview_custom_domain",
    )
    identity = frozenset({"account_slug"})
    depends_on = {"domain_aliases": frozenset({"custom_domain"})}

    def delete_before_replace(self, olds: Props, news: Props) -> bool:
        return True

    def validate(self, news: Props) -> Problems:
        problems: Problems = []
        name = news.get("name")
        if not isinstance(name, str) or not SITE_NAME.match(name):
            problems.append(("name", f"{name!r} is not a valid site name (lowercase letters, digits, '-')"))
        for key in DOMAIN_FIELDS:
            value = news.get(key)
            if value is not None and not (isinstance(value, str) and DOMAIN.match(hostname(value))):
                problems.append((key, f"{value!r} is not a domain name"))
        aliases = news.get("domain_aliases")
        if aliases is not None:
            if not isinstance(aliases, list):
                problems.append(("domain_aliases", "must be a list of domain names"))
            else:
                for i, alias in enumerate(aliases):
                    if not (isinstance(alias, str) and DOMAIN.match(hostname(alias))):
                        problems.append((f"domain_aliases[{i}]", f"{alias!r} is not a domain name"))
                if news.get("custom_domain") and hostname(news["custom_domain"]) in _domains(
                    [a for a in aliases if isinstance(a, str)]
                ):
                    problems.append(("domain_aliases", "must not repeat the custom domain"))
        if aliases and not news.get("custom_domain"):
            problems.append(("domain_aliases", "aliases need a custom_domain"))
        for key in ("force_ssl", "pretty_urls", "prevent_non_git_prod_deploys"):
            if news.get(key) is not None and not isinstance(news[key], bool):
                problems.append((key, "must be true or false"))
        repo = news.get("repo")
        if repo is not None:
            if not isinstance(repo, dict):
                problems.append(("repo", "must be an object"))
            else:
                if repo.get("provider") not in REPO_PROVIDERS:
                    problems.append(("repo.provider", f"must be one of {', '.join(REPO_PROVIDERS)}"))
                path = repo.get("repo_path")
                if not (isinstance(path, str) and re.match(r"^[\w.-]+/[\w.-]+$", path)):
                    problems.append(("repo.repo_path", f"{path!r} must look like owner/name"))
                if not (isinstance(repo.get("repo_branch"), str) and repo["repo_branch"]):
                    problems.append(("repo.repo_branch", "is required"))
                branches = repo.get("allowed_branches")
                if branches is not None and not (
                    isinstance(branches, list) and all(isinstance(b, str) and b for b in branches)
                ):
                    problems.append(("repo.allowed_branches", "must be a list of branch names"))
                for flag in ("skip_prs", "stop_builds"):
                    if repo.get(flag) is not None and not isinstance(repo[flag], bool):
                        problems.append((f"repo.{flag}", "must be true or false"))
                unknown = sorted(set(repo) - set(REPO_FIELDS))
                if unknown:
                    problems.append(("repo", f"unknown field(s): {', '.join(unknown)}"))
        return problems

    def normalise(self, key: str, value: Any, props: Props, *, old: bool) -> Any:
        if key in DOMAIN_FIELDS:
            return hostname(value)
        if key == "domain_aliases":
            return _domains(value)
        if key == "name":
            return value.lower()
        if key == "repo":
            repo = dict(value)
            if repo.get("allowed_branches") is not None:
                repo["allowed_branches"] = sorted(set(repo["allowed_branches"]))
            if old and repo.get("skip_prs") is None:
                repo["skip_prs"] = False  # unset reads as previews on (Netlify's Terraform provider)
            if old and repo.get("stop_builds") is None:
                repo["stop_builds"] = False  # unset reads as builds on
            return repo
        return value

    # -- API -----------------------------------------------------------------------------------
    def _body(self, props: Props, keys: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for key in keys:
            value = props.get(key)
            if value is None or key == "account_slug":
                continue
            if key == "pretty_urls":
                body["processing_settings"] = {"html": {"pretty_urls": value}}
            elif key != "repo":
                body[key] = value
        return body

    def find(self, props: Props) -> dict[str, Any] | None:
        sites = self.client().request(
            "GET", "/sites", operation="find site by name", params={"name": props["name"], "filter": "all"}
        )
        for site in sites or []:
            if site.get("name") == props["name"] and (
                not props.get("account_slug") or site.get("account_slug") == props["account_slug"]
            ):
                return site
        return None

    def create_new(self, props: Props) -> dict[str, Any]:
        body = self._body(props, list(self.inputs))
        if props.get("repo"):
            body["repo"] = props["repo"]
        path = f"/{props['account_slug']}/sites" if props.get("account_slug") else "/sites"
        return self.client().request("POST", path, operation="create site", json=body)

    def fetch(self, id_: str) -> dict[str, Any] | None:
        return self.client().request("GET", f"/sites/{id_}", operation="read site", not_found_ok=True)

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        body = self._body(news, changed)
        if "repo" in changed:
            old_repo = olds.get("repo") or {}
            new_repo = self.normalise("repo", news["repo"], news, old=False)
            old_norm = self.normalise("repo", old_repo, olds, old=True) if old_repo else {}
            body["build_settings"] = {
                WRITTEN_AS.get(k, k): news["repo"][k]
                for k, v in new_repo.items()
                if v is not None and v != old_norm.get(k)
            }
        return self.client().request("PATCH", f"/sites/{id_}", operation="update site", json=body)

    def remove(self, id_: str, props: Props) -> None:
        self.client().request("DELETE", f"/sites/{id_}", operation="delete site", not_found_ok=True)

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        build = live.get("build_settings") or {}
        repo = {k: build[k] for k in REPO_FIELDS if build.get(k) is not None} or None
        pretty = ((live.get("processing_settings") or {}).get("html") or {}).get("pretty_urls")
        return {
            "name": live.get("name"),
            "account_slug": live.get("account_slug") or props.get("account_slug"),
            "repo": repo,
            "custom_domain": live.get("custom_domain") or None,
            "domain_aliases": list(live.get("domain_aliases") or []),
            "force_ssl": live.get("force_ssl"),
            "pretty_urls": pretty,
            # The spec's default when the answer leaves it out.
            "prevent_non_git_prod_deploys": bool(live.get("prevent_non_git_prod_deploys", False)),
            "branch_deploy_custom_domain": live.get("branch_deploy_custom_domain") or None,
            "deploy_preview_custom_domain": live.get("deploy_preview_custom_domain") or None,
            "site_id": id_,
            "url": live.get("url"),
            "ssl_url": live.get("ssl_url"),
            "admin_url": live.get("admin_url"),
        }


class Site(pulumi.dynamic.Resource, module="netlify", name="Site"):
    """A Netlify site (type `pulumi-python:dynamic/netlify:Site`)."""

    site_id: pulumi.Output[str]
    url: pulumi.Output[str]
    ssl_url: pulumi.Output[str]
    admin_url: pulumi.Output[str]

    def __init__(self, name: str, args: SiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SiteProvider(), name, with_outputs(to_props(args), OUTPUTS), secret_opts(opts, []))
