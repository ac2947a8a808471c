"""Netlify build hook: a secret URL that triggers a build of one branch.

The URL alone lets anyone start builds, so it is a secret output. Title and branch are updated
in place (PUT takes both); hooks are found by title, so titles are unique per site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import pulumi

from providers.netlify.common import (
    NetlifyProvider,
    Problems,
    Props,
    parse_id,
    secret_opts,
    to_props,
    with_outputs,
)

OUTPUTS = ("hook_id", "url")


class HookId(NamedTuple):
    """The parts of the resource id `site_id/hook_id`."""

    site_id: str
    hook_id: str


@dataclass(frozen=True)
class BuildHookArgs:
    site_id: pulumi.Input[str]
    title: str
    branch: pulumi.Input[str]


class BuildHookProvider(NetlifyProvider):
    kind = "netlify build hook"
    inputs: ClassVar[tuple[str, ...]] = ("site_id", "title", "branch")
    identity = frozenset({"site_id"})

    def validate(self, news: Props) -> Problems:
        return [
            (key, "is required")
            for key in self.inputs
            if not (isinstance(news.get(key), str) and news[key].strip())
        ]

    def find(self, props: Props) -> dict[str, Any] | None:
        hooks = self.client().request("GET", f"/sites/{props['site_id']}/build_hooks", operation="find hook by title")
        return next((h for h in hooks or [] if h.get("title") == props["title"]), None)

    def create_new(self, props: Props) -> dict[str, Any]:
        return self.client().request(
            "POST",
            f"/sites/{props['site_id']}/build_hooks",
            operation="create hook",
            json={"title": props["title"], "branch": props["branch"]},
        )

    def id_of(self, live: dict[str, Any], props: Props) -> str:
        return f"{props['site_id']}/{live['id']}"

    def fetch(self, id_: str) -> dict[str, Any] | None:
        site_id, hook_id = parse_id(HookId, id_, "netlify build hook")
        return self.client().request(
            "GET", f"/sites/{site_id}/build_hooks/{hook_id}", operation="read hook", not_found_ok=True
        )

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        site_id, hook_id = parse_id(HookId, id_, "netlify build hook")
        # PUT replaces the hook's settings, so it takes both fields; it answers 204 (no body).
        self.client().request(
            "PUT",
            f"/sites/{site_id}/build_hooks/{hook_id}",
            operation="update hook",
            json={"title": news["title"], "branch": news["branch"]},
        )
        return {**olds, "id": hook_id, "title": news["title"], "branch": news["branch"]}

    def remove(self, id_: str, props: Props) -> None:
        site_id, hook_id = parse_id(HookId, id_, "netlify build hook")
        self.client().request(
            "DELETE", f"/sites/{site_id}/build_hooks/{hook_id}", operation="delete hook", not_found_ok=True
        )

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        site_id, hook_id = parse_id(HookId, id_, "netlify build hook")
        return {
            "site_id": site_id,
            "title": live.get("title"),
            "branch": live.get("branch"),
            "hook_id": hook_id,
            "url": live.get("url"),
        }


class BuildHook(pulumi.dynamic.Resource, module="netlify", name="BuildHook"):
    """A site's build hook (type `pulumi-python:dynamic/netlify:BuildHook`); `url` is secret."""

    hook_id: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: BuildHookArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(BuildHookProvider(), name, with_outputs(to_props(args), OUTPUTS), secret_opts(opts, ["url"]))
