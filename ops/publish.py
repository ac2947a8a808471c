"""The one way a deploy goes live: `publish`, shared by `ops promote` (and its automatic rollback)
and `ops rollback`.

`restoreSiteDeploy` switches the site to a finished deploy atomically, without a rebuild; the
deploy that was live stays intact, so switching back is the same call (blue-green). Netlify's
docs: "This doesn't trigger a new deploy but instead publishes a previous atomic deploy"
(docs.netlify.com, Manage deploys, Rollbacks); the same call publishes a draft deploy.

- The expected live deploy is the lock: the site's published deploy must still be the one the
  caller saw, or nothing is published (two releases never interleave; GitHub's `concurrency`
  group serialises the workflow's jobs, this catches everything else, e.g. an operator's rollback).
- A lost or ambiguous answer is never resent blind: `create_or_adopt` reads the site first, and
  a restore that did happen is adopted (one restore request per switch).
- Whether a publish clears a lock on the live API is documented only loosely ("You can also
  unlock a deploy by publishing a specific deploy", netlify.com/docs/locked-deploys), so the
  outcome is read back: the published deploy (and its lock) as the API shows it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from ops.console import EXIT_FAILED, OpsError
from ops.netlify_site import Live, get_site
from providers.http import ApiClient, create_or_adopt


class PublishRefused(OpsError):
    """The site's live deploy is not the one the caller expected: nothing was published."""

    def __init__(self, message: str, live: Live) -> None:
        super().__init__(message, EXIT_FAILED)
        self.live = live


class PublishFailed(OpsError):
    """The restore was sent (and may have happened) but the site does not show the target live as asked."""

    def __init__(self, message: str, live: Live | None) -> None:
        super().__init__(message, EXIT_FAILED)
        self.live = live


@dataclass(frozen=True)
class Published:
    deploy_id: str
    previous: str | None
    locked: bool


def publish(client: ApiClient, site_id: str, target: str, *, expect: str | None, lock: bool) -> Published:
    """Make `target` the site's published deploy, if the live deploy is still `expect` (None: none).

    With `lock`, the target is locked afterwards, so nothing else publishes over it until unlocked.
    Raises `PublishRefused` when the live deploy moved, `PublishFailed` when the read-back does not
    show the target live (and locked when asked), `ApiError` when the API fails for good.
    """

    def already_live() -> str | None:
        live = Live.of(get_site(client, site_id))
        if live.deploy_id == target:
            return target
        if live.deploy_id != expect:
            raise PublishRefused(
                f"the live deploy is {live.deploy_id or 'none'}, not {expect or 'none'} as expected: another release "
                f"or rollback ran meanwhile; {target} was not published",
                live,
            )
        return None

    def restore() -> str:
        client.request("POST", f"/sites/{site_id}/deploys/{target}/restore", operation="restoreSiteDeploy",
                       idempotent=False)
        return target

    create_or_adopt(already_live, restore, resource=client.resource)
    if lock:
        client.request("POST", f"/deploys/{target}/lock", operation="lockDeploy", idempotent=True)
    live = Live.of(get_site(client, site_id))
    if live.deploy_id != target:
        raise PublishFailed(f"restoreSiteDeploy answered, yet the site's published deploy is {live.deploy_id or 'none'}, "
                            f"not {target}", live)
    if lock and not live.locked:
        raise PublishFailed(f"deploy {target} is live but not locked after lockDeploy", live)
    return Published(target, expect, live.locked)
