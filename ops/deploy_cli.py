"""`ops deploy`: a build directory as a draft deploy of the stack's Netlify site (issue 16).

The draft is never published here: `ops promote` smoke-tests its URL and publishes it. The
site comes from the stack file, the token from NETLIFY_AUTH_TOKEN (`ops.netlify_site`); the work
is `ops.netlify_deploy.deploy_directory`. Progress goes to stderr, the result to stdout.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from components.config import ConfigError
from components.config.netlify import NetlifyConfig
from ops.console import StackDir, deadline, fail, fail_config, known_stack, notice, stdout, timed_out, timeout_option
from ops.netlify_deploy import DEFAULT_TIMEOUT, DeployResult, deploy_directory
from ops.netlify_site import find_site, netlify_client
from ops.site_digest import digest_dir
from ops.stackfile import ROOT, read_stack_file
from providers.http import ApiError, DeadlineExceeded, MissingCredential

ALIAS_MAX = 37  # netlify-cli `deploy --alias` help: "Maximum 37 characters"
LABEL_MAX = 63  # `<alias>--<site>` is one DNS label (RFC 1035)
_ALIAS = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def _branch_label(branch: str) -> str:
    """The subdomain label a branch deploy of `branch` gets (anything but a-z0-9 becomes '-')."""
    return re.sub(r"[^a-z0-9]+", "-", branch.lower()).strip("-")


def check_alias(alias: str | None, netlify: NetlifyConfig) -> str | None:
    """`--alias` as Netlify can serve it, and not the subdomain of a branch the site deploys."""
    if alias is None:
        return None
    if not _ALIAS.match(alias) or "--" in alias:
        fail(f"--alias: '{alias}' must be lowercase letters, digits and single hyphens, starting and ending with "
             "a letter or digit (it becomes the subdomain <alias>--<site>)")
    if len(alias) > ALIAS_MAX or len(alias) + 2 + len(netlify.site_name) > LABEL_MAX:
        fail(f"--alias: '{alias}' is too long: at most {ALIAS_MAX} characters, and "
             f"'{alias}--{netlify.site_name}' at most {LABEL_MAX}")
    # netlify-cli: "Avoid setting an alias string to the same value as a deployed branch."
    branches = [netlify.production_branch, *netlify.branch_deploys.branches]
    if alias in {_branch_label(b) for b in branches}:
        fail(f"--alias: '{alias}' is the subdomain of the branch deploys of '{alias}'; choose another alias (e.g. pr-<number>)")
    return alias


def _print(result: DeployResult) -> None:
    stdout.print(f"{result.site}: draft deploy {result.deploy_id} is ready (not published)", markup=False)
    stdout.print(f"draft URL: {result.url}", markup=False)
    if result.alias_url:
        stdout.print(f"alias URL: {result.alias_url}", markup=False)
    stdout.print(f"files: {result.files}, uploaded {result.uploaded}, already on Netlify {result.files - result.uploaded}",
                 markup=False)


def deploy(
    stack: Annotated[str, typer.Option("--stack", "-s", metavar="NAME", help="Stack whose Netlify site to deploy to.")],
    directory: Annotated[Path, typer.Option("--dir", metavar="DIR", help="The build output to deploy (e.g. dist).")],
    alias: Annotated[str | None, typer.Option(
        metavar="NAME", help="Also serve the draft at https://NAME--<site>.netlify.app (e.g. pr-12).")] = None,
    message: Annotated[str | None, typer.Option(metavar="TEXT", help="A title for the deploy (its log line in Netlify).")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON document (key-sorted) instead of lines.")] = False,
    timeout: Annotated[float, timeout_option("the Netlify API")] = DEFAULT_TIMEOUT,
    stack_dir: StackDir = ROOT,
) -> None:
    """Upload a build directory as a draft deploy (never published; needs NETLIFY_AUTH_TOKEN)."""
    try:
        netlify = read_stack_file(known_stack(stack), stack_dir).validate().netlify
    except ConfigError as error:
        fail_config(error)
    alias = check_alias(alias, netlify)
    with deadline(timeout, grace=2.0) as until:  # each request ends by the deadline; the alarm is a backstop
        try:
            client = netlify_client("deploy", until)
        except MissingCredential as error:
            fail(str(error))
        try:
            notice(f"netlify deploy: hashing the files under {directory}")
            digest = digest_dir(directory)
            site = find_site(client, netlify.site_name)
            result = deploy_directory(client, site, digest, alias=alias, message=message)
        except DeadlineExceeded as error:
            timed_out(f"the Netlify API to answer {error.operation}", timeout)
        except ApiError as error:
            fail(str(error), code=1)
        finally:
            client.close()
    if json_output:
        sys.stdout.write(json.dumps(result.document(), sort_keys=True, indent=2) + "\n")
    else:
        _print(result)


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the ops CLI."""
    app.command()(deploy)
