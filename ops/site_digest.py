"""The file digest of a build directory: every file's deploy path and SHA-1, as Netlify's
file-digest deploy wants them (`createSiteDeploy` body `files: {path: sha1}`).

Nothing is skipped: every regular file under the directory is part of the deploy, dotfiles and
`_headers`/`_redirects` included (the pipeline puts the stack's `_headers` there for Netlify to
apply, as it applies them in a drag-and-drop deploy). netlify-cli's `getDeployFilesFilter`
(src/commands/deploy/deploy.ts) leaves out dotfiles but `.well-known`, `__MACOSX`, and
`_headers`/`_redirects`, which it folds into the configuration it sends instead; a build output
holds no dotfile unless the build put it there, and a file silently left out is a 404 found in
production. What cannot be deployed is refused, naming the file:

- a missing directory, a file instead of one, or a directory with no file at all;
- a symlink pointing outside the directory, at a directory, or at nothing (a file symlink inside is
  deployed with its target's content under its own path);
- a name with `#` or `?`: Netlify cannot serve it (netlify-cli `normalizePath` refuses the same);
- anything that is neither a file nor a directory (a socket, a FIFO).

Paths are `/`-separated and relative (`assets/app.js`), as netlify-cli sends them.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ops.console import fail

CHUNK = 1 << 20

@dataclass(frozen=True)
class SiteFile:
    path: str  # the deploy path: relative, `/`-separated
    source: Path
    sha1: str
    size: int


@dataclass(frozen=True)
class Digest:
    root: Path
    files: tuple[SiteFile, ...]  # sorted by path

    @property
    def manifest(self) -> dict[str, str]:
        """`files` of the createSiteDeploy body."""
        return {f.path: f.sha1 for f in self.files}

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def to_upload(self, required: Iterable[str]) -> list[SiteFile]:
        """Every file whose SHA-1 the API asked for, at every path holding that content.

        The API lists a SHA-1 once however many paths share it; netlify-cli uploads each of those
        paths (`getUploadList`: `required.flatMap(sha => shaMap[sha])`, src/utils/deploy/util.ts),
        since a file is stored per path of the deploy. A SHA-1 the digest does not hold is refused.
        """
        by_sha: dict[str, list[SiteFile]] = {}
        for f in self.files:
            by_sha.setdefault(f.sha1, []).append(f)
        wanted = list(dict.fromkeys(required))
        unknown = [sha for sha in wanted if sha not in by_sha]
        if unknown:
            raise ValueError(f"the API asks for content this deploy does not hold (SHA-1 {', '.join(unknown[:3])})")
        return [f for sha in wanted for f in by_sha[sha]]


def _sha1(path: str) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    with open(path, "rb") as file:  # not hashlib.file_digest: it allocates 256 KiB per (small) file
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _target(root: Path, entry: Path, where: str) -> Path:
    """A symlink's target, when it is a file inside `root`; anything else is refused naming the link."""
    name = entry.relative_to(root).as_posix()
    target = entry.resolve()
    if not target.is_relative_to(root):
        fail(f"{where}: '{name}' is a symlink to {target}, outside the directory")
    if not target.exists():
        fail(f"{where}: '{name}' is a symlink to nothing ({target})")
    if target.is_dir():
        fail(f"{where}: '{name}' is a symlink to a directory: copy the directory instead")
    return target


def digest_dir(directory: Path, where: str = "--dir") -> Digest:
    """Hash every file under `directory`; `where` names the option in messages."""
    if not directory.exists():
        fail(f"{where}: {directory} does not exist")
    if not directory.is_dir():
        fail(f"{where}: {directory} is not a directory")
    root = directory.resolve()
    files = []
    for folder, subdirs, names in os.walk(root):  # strings, not Paths: a build holds thousands of files
        base = Path(folder)
        for name in subdirs:
            if (base / name).is_symlink():
                _target(root, base / name, where)  # refused with its reason
        prefix = os.path.relpath(folder, root).replace(os.sep, "/") + "/" if folder != str(root) else ""
        for name in names:
            relative, full = prefix + name, os.path.join(folder, name)
            if "#" in relative or "?" in relative:
                fail(f"{where}: '{relative}': Netlify cannot deploy a file whose path holds '#' or '?'")
            source, info = full, os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                source = str(_target(root, Path(full), where))
                info = os.stat(source)
            if not stat.S_ISREG(info.st_mode):
                fail(f"{where}: '{relative}' is not a regular file")
            files.append(SiteFile(relative, Path(full), _sha1(source), info.st_size))
    if not files:
        fail(f"{where}: {directory} holds no file to deploy")
    return Digest(root, tuple(sorted(files, key=lambda f: f.path)))
