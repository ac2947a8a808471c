"""The file-digest deploy of the Netlify fake: createSiteDeploy, uploadDeployFile, getDeploy.

A mixin of `tests.support.netlify_fake.FakeNetlify` (its routing, faults and answer validation
apply). What the live API does that the pinned spec does not show, and where it is known from:

- `required` lists the SHA-1s the API does not hold yet, each once however many paths share it;
  the client uploads every path holding a required SHA-1 (netlify-cli `getUploadList`,
  src/utils/deploy/util.ts). The fake counts a SHA-1 as received once any of its paths arrived.
- `async: true` answers at once in state `preparing`, with nothing in `required` yet; polling
  shows `prepared` with `required` filled in (netlify-cli `waitForDiff` waits for exactly that).
  Here the first `getDeploy` after `prepare_polls` polls prepares it.
- A sync create answers `uploading` (or, when nothing is required, `processing`); once every
  required SHA-1 arrived the deploy is `processing`, then `ready` at the next poll (after
  `processing_polls` more), or `error` with `error_message` when a test sets `processing_error`
  (netlify-cli `waitForDeploy` reports that message). Uploads before `prepared` are refused (the client
  must wait: an assumption, the CLI never tries).
- An upload whose content's SHA-1 is not the one declared for its path is refused with 422
  "Uploaded file <path> did not match deploy" (the live text, for a function, in
  answers.netlify.com/t/49255; live sends it as `errors`, the spec's error body as `message`).
  A path the deploy does not declare is refused with 422 too (status assumed).
- Upload paths arrive URL-encoded (netlify-cli sends `encodeURI(path)`) and may hold `/`.
- A draft is never published; a non-draft deploy of the production branch (no `branch`, or the
  site's) is published when it becomes ready unless the live deploy is locked. Drafts and
  non-drafts alike get context `production` without a `branch` and `branch-deploy` with another
  one: the live context of a draft is not documented, so code must not tell drafts by it (and
  listSiteDeploys omits `draft` altogether, netlify/open-api#365).
- Digest keys may start with `/` (docs.netlify.com's file digest example) or not (netlify-cli).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

SHA1 = re.compile(r"^[0-9a-f]{40}$")


def _reply(status: int, message: str) -> Exception:
    from tests.support.netlify_fake import Reply  # the fake imports this module: resolve at call time

    return Reply(status, message)


@dataclass
class Upload:
    """A digest deploy's files (path -> SHA-1), what the API asked for and what it received."""

    files: dict[str, str]
    required: list[str] = field(default_factory=list)
    received: set[str] = field(default_factory=set)
    puts: Counter[str] = field(default_factory=Counter)  # uploads per path, retries included
    polls: int = 0  # getDeploy calls while preparing or processing


class DeployFiles:
    """createSiteDeploy / uploadDeployFile / getDeploy over the fake's sites and deploys."""

    sites: dict[str, dict[str, Any]]
    deploys: dict[str, dict[str, Any]]

    def _init_deploy_files(self) -> None:
        self.cdn: dict[str, set[str]] = {}  # site id -> SHA-1s the API already holds for the site
        self.uploads: dict[str, Upload] = {}  # deploy id -> its digest
        self.prepare_polls = 0  # getDeploy answers still `preparing` before an async deploy is prepared
        self.processing_polls = 0  # getDeploy answers still `processing` before a complete deploy is ready
        self.processing_error: str | None = None  # set: a complete deploy ends in state `error` with this message

    # ---- helpers for tests ---------------------------------------------------------------
    def know(self, site_id: str, *shas: str) -> None:
        """The API holds these contents for the site already (an earlier deploy uploaded them)."""
        self.cdn.setdefault(site_id, set()).update(shas)

    def site_deploys(self, site_id: str) -> list[dict[str, Any]]:
        return [d for d in self.deploys.values() if d["site_id"] == site_id]

    # ---- operations ------------------------------------------------------------------------
    def op_createSiteDeploy(self, site_id, *, query, body):  # noqa: N802 - the operationId
        site = self._site(site_id)  # type: ignore[attr-defined]
        if not isinstance(body, dict) or not isinstance(body.get("files"), dict):
            raise _reply(422, "the fake takes file-digest deploys only: a JSON body with `files`")
        files: dict[str, str] = {}
        for path, sha in body["files"].items():
            if not isinstance(sha, str) or not SHA1.match(sha):
                raise _reply(422, f"files: '{path}' has no SHA-1 digest")
            files[path.lstrip("/")] = sha
        production = (site.get("build_settings") or {}).get("repo_branch") or "main"
        branch = body.get("branch") or production
        deploy_id = self.new_id("deploy")  # type: ignore[attr-defined]
        host = f"{deploy_id}--{site['name']}.netlify.app"
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        deploy = {
            "id": deploy_id, "site_id": site_id, "name": site["name"], "url": site["url"], "ssl_url": site["ssl_url"],
            "admin_url": site["admin_url"], "deploy_url": f"http://{host}", "deploy_ssl_url": f"https://{host}",
            "draft": bool(body.get("draft")), "branch": branch, "title": query.get("title", ""),
            "context": "production" if branch == production else "branch-deploy", "locked": False,
            "required": [], "required_functions": [], "created_at": now, "updated_at": now,
        }
        upload = Upload(files)
        self.uploads[deploy_id] = upload
        self.deploys[deploy_id] = deploy
        if body.get("async"):
            deploy["state"] = "preparing"
        else:
            self._diff(site_id, deploy, upload)
        return 200, deploy

    def _diff(self, site_id: str, deploy: dict[str, Any], upload: Upload) -> None:
        known = self.cdn.get(site_id, set())
        upload.required = [sha for sha in dict.fromkeys(upload.files.values()) if sha not in known]
        deploy["required"] = list(upload.required)
        deploy["state"] = "uploading" if upload.required else "processing"

    def op_getDeploy(self, deploy_id, *, query, body):  # noqa: N802
        deploy = self._deploy(deploy_id)  # type: ignore[attr-defined]
        upload = self.uploads.get(deploy_id)
        if upload is None:
            return 200, deploy
        if deploy["state"] == "preparing":
            upload.polls += 1
            if upload.polls > self.prepare_polls:
                self._diff(deploy["site_id"], deploy, upload)
                deploy["state"] = "prepared"
                upload.polls = 0
        elif deploy["state"] in ("prepared", "uploading", "processing") and set(upload.required) <= upload.received:
            deploy["state"] = "processing"
            upload.polls += 1
            if upload.polls > self.processing_polls:
                self._ready(deploy, upload)
        return 200, deploy

    def _ready(self, deploy: dict[str, Any], upload: Upload) -> None:
        if self.processing_error:
            deploy.update(state="error", error_message=self.processing_error)
            return
        deploy["state"] = "ready"
        site = self.sites[deploy["site_id"]]
        self.know(site["id"], *upload.files.values())
        live = site.get("published_deploy") or {}
        if not deploy["draft"] and deploy["context"] == "production" and not live.get("locked"):
            self._publish(site, deploy)  # type: ignore[attr-defined]

    def op_uploadDeployFile(self, deploy_id, path, *, query, body):  # noqa: N802
        deploy = self._deploy(deploy_id)  # type: ignore[attr-defined]
        upload = self.uploads.get(deploy_id)
        if upload is None:
            raise _reply(422, f"deploy {deploy_id} was not created from a file digest")
        if not isinstance(body, bytes):
            raise _reply(415, "a file is uploaded as application/octet-stream")
        name = unquote(path)
        if deploy["state"] == "preparing":
            raise _reply(422, f"deploy {deploy_id} is still being prepared")
        if name not in upload.files:
            raise _reply(422, f"{name} is not a file of deploy {deploy_id}")
        sha = hashlib.sha1(body, usedforsecurity=False).hexdigest()
        if sha != upload.files[name]:
            raise _reply(422, f"Uploaded file {name} did not match deploy")
        upload.puts[name] += 1
        upload.received.add(sha)
        if deploy["state"] == "prepared":
            deploy["state"] = "uploading"
        if deploy["state"] == "uploading" and set(upload.required) <= upload.received:
            deploy["state"] = "processing"
        return 200, {"id": f"{deploy_id}-{sha[:8]}", "path": f"/{name}", "sha": sha,
                     "mime_type": "application/octet-stream", "size": len(body)}
