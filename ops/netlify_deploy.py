"""A draft deploy of a build directory through Netlify's file-digest API (`ops deploy`).

The flow is netlify-cli's (`deploySite`, src/utils/deploy/deploy-site.ts), which the spec alone
does not tell:

1. `createSiteDeploy` with every path's SHA-1, `draft: true` (never published: only a later
   `restoreSiteDeploy` puts it live) and `async: true` past 100 files (its `SYNC_FILE_LIMIT`): an
   async deploy answers before the API has diffed the files, so `getDeploy` is polled until the
   state is `prepared`, `uploading`, `uploaded` or `ready` (its `waitForDiff`); only then does
   `required` list the SHA-1s the API lacks.
2. Each file whose SHA-1 is required is PUT to `/deploys/{id}/files/{path}` as octet-stream, the
   path URL-encoded as `encodeURI` does (its `uploadFiles`: 5 at once, `DEFAULT_CONCURRENT_UPLOAD`).
3. `getDeploy` is polled until `ready` (its `waitForDeploy`; `error` carries `error_message`).

A retry never makes a second deploy: the title carries a run token (`ops deploy <token>`), and when
the create's answer is lost `create_or_adopt` looks for a deploy with that title among the site's
newest before sending again. An upload is a PUT of the same bytes to the same path, so the shared
client simply resends it. The upload threads share the command's one `ApiClient`: an httpx
`Client` "can be shared between threads" (its docstring, encode/httpx#2380), `request` keeps its
retry state per call, and the connection pool exists before the threads start (the create made
it). A client per thread would cost an SSL context each, about as much as the uploads themselves.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ops.backup.progress import Meter, human_bytes
from ops.console import fail, notice, timed_out, waiting
from ops.site_digest import Digest, SiteFile
from providers.http import ApiClient, ApiError, DeadlineExceeded, create_or_adopt

SYNC_LIMIT = 100  # netlify-cli SYNC_FILE_LIMIT: more files than this are diffed asynchronously
UPLOAD_CONCURRENCY = 5  # netlify-cli DEFAULT_CONCURRENT_UPLOAD
POLL_INTERVAL = 1.0  # netlify-cli DEPLOY_POLL
DEFAULT_TIMEOUT = 1200.0  # netlify-cli DEFAULT_DEPLOY_TIMEOUT (20 minutes)
FIND_PAGE = 20  # the newest deploys searched for this run's title after a lost answer
DIFFED = frozenset({"prepared", "uploading", "uploaded", "ready"})  # netlify-cli waitForDiff
# encodeURI's unescaped set, less `#` and `?` (refused in paths): netlify-cli sends encodeURI(path).
PATH_SAFE = "/;,:@&=+$-_.!~*'()"
OCTET_STREAM = {"Content-Type": "application/octet-stream"}


@dataclass(frozen=True)
class DeployResult:
    """What `ops deploy` prints (`document` is its `--json`)."""

    deploy_id: str
    site: str
    state: str
    url: str  # the deploy's own URL (deploy_ssl_url): https://<deploy id>--<site>.netlify.app
    title: str
    files: int
    required: int  # distinct contents the API asked for
    uploaded: int  # files sent (a content at two paths is sent to both)
    uploaded_bytes: int
    alias: str | None = None
    alias_url: str | None = None

    def document(self) -> dict[str, Any]:
        return {"deploy_id": self.deploy_id, "site": self.site, "state": self.state, "draft": True,
                "url": self.url, "alias": self.alias, "alias_url": self.alias_url, "title": self.title,
                "files": self.files, "required": self.required, "uploaded": self.uploaded,
                "uploaded_bytes": self.uploaded_bytes}


def deploy_title(message: str | None, token: str) -> str:
    """The deploy's title: the operator's message and this run's token, which finds it after a lost answer."""
    return f"{message} (ops deploy {token})" if message else f"ops deploy {token}"


def alias_url(alias: str, site_name: str) -> str:
    """An alias names the deploy subdomain: `<alias>--<site>` (netlify-cli `deploy --alias` help)."""
    return f"https://{alias}--{site_name}.netlify.app"


def _create(client: ApiClient, site_id: str, body: dict[str, Any], title: str, token: str) -> tuple[dict[str, Any], bool]:
    """The created deploy, or the one a lost answer created (adopted: its `required` is not trusted)."""
    sent = False
    answered = False

    def find() -> dict[str, Any] | None:
        if not sent:
            return None  # a fresh token cannot match anything before a request carried it
        listed = client.request("GET", f"/sites/{site_id}/deploys", operation="listSiteDeploys",
                                params={"per_page": FIND_PAGE}) or []
        return next((d for d in listed if token in str(d.get("title") or "") and d.get("id")), None)

    def create() -> dict[str, Any]:
        nonlocal sent, answered
        sent = True
        answer = client.request("POST", f"/sites/{site_id}/deploys", operation="createSiteDeploy",
                                params={"title": title}, json=body)
        answered = True
        return dict(answer or {})

    deploy = create_or_adopt(find, create, resource=client.resource)
    if not deploy.get("id"):
        raise ApiError(client.resource, "createSiteDeploy", None, "the answer names no deploy id")
    if deploy.get("draft") is False:
        fail(f"deploy {deploy['id']} was created as a non-draft deploy; nothing was uploaded, so it never becomes ready", 1)
    return deploy, not answered


def _poll(client: ApiClient, deploy_id: str, done: frozenset[str], what: str,
          poll: float, sleep: Callable[[float], None]) -> dict[str, Any]:
    """getDeploy until its state is in `done` (a state change is announced on stderr), failing on `error`."""
    last = None
    with waiting(f"deploy {deploy_id} {what}"):
        while True:
            try:
                deploy = client.request("GET", f"/deploys/{deploy_id}", operation="getDeploy") or {}
            except DeadlineExceeded:
                timed_out()
            state = str(deploy.get("state") or "")
            if state == "error":
                fail(f"deploy {deploy_id} failed on Netlify: {deploy.get('error_message') or 'no error message'}", 1)
            if state in done:
                return dict(deploy)
            if state != last:
                notice(f"netlify deploy: deploy {deploy_id} is {state or 'in no state yet'}; waiting for it {what}")
                last = state
            left = (client.deadline - time.monotonic()) if client.deadline is not None else poll
            if left <= 0:
                timed_out()
            sleep(min(poll, left))


def _upload(client: ApiClient, deploy_id: str, files: list[SiteFile], concurrency: int) -> int:
    """PUT each file, at most `concurrency` at once; returns the bytes sent."""
    meter = Meter(f"netlify deploy: uploading {len(files)} file(s)", total=sum(f.size for f in files))

    def one(file: SiteFile) -> int:
        body = file.source.read_bytes()
        if hashlib.sha1(body, usedforsecurity=False).hexdigest() != file.sha1:
            fail(f"--dir: '{file.path}' changed while it was being deployed; build again and rerun", 1)
        answer = client.request("PUT", f"/deploys/{deploy_id}/files/{quote(file.path, safe=PATH_SAFE)}",
                                operation="uploadDeployFile", content=body, headers=OCTET_STREAM) or {}
        if answer.get("sha") not in (None, file.sha1):
            raise ApiError(client.resource, "uploadDeployFile", None,
                           f"'{file.path}' was stored with SHA-1 {answer['sha']}, not {file.sha1}")
        meter.advance(len(body))
        return len(body)

    pool = ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(files))), thread_name_prefix="netlify-upload")
    ok = False
    try:
        futures: list[Future[int]] = [pool.submit(one, f) for f in files]
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:
            if future in finished and (error := future.exception()) is not None:
                raise error
        sent = sum(f.result() for f in futures)
        ok = True
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        meter.finish(ok)
    return sent


def deploy_directory(
    client: ApiClient,
    site: dict[str, Any],
    digest: Digest,
    *,
    alias: str | None = None,
    message: str | None = None,
    concurrency: int = UPLOAD_CONCURRENCY,
    poll: float = POLL_INTERVAL,
    sync_limit: int = SYNC_LIMIT,
    sleep: Callable[[float], None] = time.sleep,
) -> DeployResult:
    """Create a draft deploy of `digest` on `site`, upload what the API lacks, wait until it is ready.

    `client.deadline` bounds the whole of it (set to DEFAULT_TIMEOUT from now when None); past it,
    the `--timeout` failure names what was awaited. Raises `OpsError` (via `fail`/`timed_out`) or
    `ApiError`; never publishes anything.
    """
    if client.deadline is None:
        client.deadline = time.monotonic() + DEFAULT_TIMEOUT
    site_id, site_name = str(site["id"]), str(site.get("name") or "")
    token = secrets.token_hex(6)
    title = deploy_title(message, token)
    body: dict[str, Any] = {"files": digest.manifest, "draft": True, "async": len(digest.files) > sync_limit}
    if alias:
        body["branch"] = alias
    notice(f"netlify deploy: {len(digest.files)} file(s), {human_bytes(digest.size)}, to {site_name} as a draft"
           + (f" under the alias {alias}" if alias else ""))
    with waiting("the Netlify API to create the deploy"):
        try:
            deploy, adopted = _create(client, site_id, body, title, token)
        except DeadlineExceeded:
            timed_out()
    deploy_id = str(deploy["id"])
    if adopted:
        notice(f"netlify deploy: the answer to createSiteDeploy was lost; adopted deploy {deploy_id} (same title)")
    if body["async"] or adopted or deploy.get("state") not in DIFFED:
        deploy = _poll(client, deploy_id, DIFFED, "to be diffed (state prepared)", poll, sleep)
    required = [str(sha) for sha in deploy.get("required") or []]
    try:
        files = digest.to_upload(required)
    except ValueError as error:
        fail(f"deploy {deploy_id}: {error}", 1)
    notice(f"netlify deploy: deploy {deploy_id}: the API has {len(digest.files) - len(files)} file(s) already, "
           f"asks for {len(files)}")
    sent = 0
    if files:
        with waiting(f"the Netlify API to accept the uploads of deploy {deploy_id}"):
            try:
                sent = _upload(client, deploy_id, files, concurrency)
            except DeadlineExceeded:
                timed_out()
    ready = _poll(client, deploy_id, frozenset({"ready"}), "to be ready", poll, sleep)
    url = str(ready.get("deploy_ssl_url") or ready.get("deploy_url") or f"https://{deploy_id}--{site_name}.netlify.app")
    return DeployResult(deploy_id=deploy_id, site=site_name, state="ready", url=url, title=title,
                        files=len(digest.files), required=len(set(required)), uploaded=len(files), uploaded_bytes=sent,
                        alias=alias, alias_url=alias_url(alias, site_name) if alias else None)
