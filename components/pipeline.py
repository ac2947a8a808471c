"""`DeliveryPipeline`: the stack's delivery workflow and Lighthouse budgets, committed to the app repo.

Netlify builds nothing (components/site.py sets `stop_builds`): the workflow this component commits
(rendered by components/delivery_workflow.py) is the only publisher. The values a build inlines come
from the one source the site's env vars are made from (`NetlifySite.build_values`) and are written
into the workflow, since the build jobs run without an environment: a secret among them stops the
program. The Supabase publishable key is the one exception, and by name: it is public by design
(supabase.com docs, "API keys": publishable keys are safe to expose in a browser when row-level
security is on) and every visitor's browser receives it in the bundle. The ConfigCat SDK key is the
other, for the same reason: the browser SDK is given it in the bundle (configcat/react-sdk README:
`<ConfigCatProvider sdkKey="#YOUR_SDK_KEY#">`) and it only reads the flags' values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_github as github

from components import lighthouse
from components.config import LighthouseConfig, StackConfig
from components.delivery import plain
from components.delivery_workflow import PipelineSpec, render, workflow_path
from components.names import (
    CONFIGCAT_SDK_KEY_KEY,
    PULL_REQUEST_STACK,
    SUPABASE_ANON_KEY_KEY,
    SUPABASE_PUBLISHABLE_KEY_KEY,
)

# Build values public by design although the program holds them as secrets until they are built.
PUBLIC_BUILD_VALUES = frozenset({SUPABASE_PUBLISHABLE_KEY_KEY, SUPABASE_ANON_KEY_KEY, CONFIGCAT_SDK_KEY_KEY})


def site_url(cfg: StackConfig) -> str:
    """The live URL: the custom domain, else the site's Netlify subdomain."""
    host = cfg.netlify.custom_domain or f"{cfg.netlify.site_name}.netlify.app"
    return f"https://{host}"


@dataclass(frozen=True)
class DeliveryPipelineArgs:
    stack: str
    repository: str
    branch: str
    lighthouse: LighthouseConfig
    spec: PipelineSpec  # without its build values, which arrive as inputs:
    build_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    preview_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # What the commit waits for: the stack's ruleset (the deploying App pushes past it), the environments'
    # deploy token (a run the commit starts finds it) and the site with builds stopped (never two publishers).
    commit_after: tuple[pulumi.Resource, ...] = ()

    @classmethod
    def from_stack(
        cls, cfg: StackConfig, *, build_env: Mapping[str, pulumi.Input[str]],
        preview_env: Mapping[str, pulumi.Input[str]] | None = None, commit_after: tuple[pulumi.Resource, ...] = (),
    ) -> DeliveryPipelineArgs:
        spec = PipelineSpec(
            stack=cfg.environment, delivery=cfg.delivery,
            platform_repository=f"{cfg.github.owner}/{cfg.monitoring.platform_repo}",
            default_branch=cfg.github.default_branch, build_command=cfg.netlify.build_command,
            publish_dir=cfg.netlify.publish_dir, headers_path=cfg.headers_path, site_name=cfg.netlify.site_name,
            site_url=site_url(cfg),
        )
        return cls(stack=cfg.environment, repository=cfg.github.app_repo, branch=cfg.github.default_branch,
                   lighthouse=cfg.delivery.lighthouse, spec=spec, build_env=dict(build_env),
                   preview_env=dict(preview_env or {}) if cfg.environment == PULL_REQUEST_STACK else {},
                   commit_after=commit_after)


def public_values(values: Mapping[str, pulumi.Input[str]], what: str) -> pulumi.Output[dict[str, str]]:
    """`values` in clear, for a committed file: a secret stops the program, except `PUBLIC_BUILD_VALUES`."""
    checked = {
        key: (pulumi.Output.unsecret(pulumi.Output.from_input(value)) if key in PUBLIC_BUILD_VALUES else
              plain(value, f"{what}: {key} is a secret and would be written into the app repo's workflow; "
                           "a build runs without secrets"))
        for key, value in values.items()
    }
    return pulumi.Output.all(**checked) if checked else pulumi.Output.from_input({})


class DeliveryPipeline(pulumi.ComponentResource):
    """The app repo's `delivery-<stack>.yml` and the stack's `lighthouserc.json`, on the default branch."""

    def __init__(self, name: str, args: DeliveryPipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("maintainpro:pipeline:DeliveryPipeline", name, None, opts)
        after = pulumi.ResourceOptions(parent=self, depends_on=list(args.commit_after))
        content = pulumi.Output.all(
            public_values(args.build_env, f"the {args.stack} build"),
            public_values(args.preview_env, f"the {args.stack} pull-request build"),
        ).apply(lambda envs: render(dataclasses.replace(args.spec, build_env=envs[0], preview_env=envs[1])))
        self.workflow = github.RepositoryFile(
            f"{name}-workflow",
            repository=args.repository, file=workflow_path(args.stack), branch=args.branch, content=content,
            commit_message=f"ci(delivery): the {args.stack} stack's delivery pipeline (maintainpro-platform)",
            overwrite_on_create=True, opts=after,
        )
        self.lighthouserc = github.RepositoryFile(
            f"{name}-lighthouserc",
            repository=args.repository, file=lighthouse.rc_path(args.stack), branch=args.branch,
            content=lighthouse.render(args.lighthouse, args.spec.publish_dir),
            commit_message=f"ci(delivery): Lighthouse budgets for the {args.stack} stack (maintainpro-platform)",
            overwrite_on_create=True, opts=after,
        )
        self.content = content
        self.register_outputs({"workflow_path": workflow_path(args.stack), "lighthouserc_path": lighthouse.rc_path(args.stack)})
