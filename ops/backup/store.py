"""The S3 side: streamed multipart uploads, verified downloads, listings, deletions.

Memory stays flat: a part is read, hashed and handed to a bounded pool of uploaders, so at most
`concurrency + 1` parts are held at once whatever the dump size. An upload that fails at any step
is aborted, so S3 never shows a partial object; a completed object whose size or ETag does not
match what was sent is deleted before the caller sees success.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ops.backup.errors import BackupError

MIB = 1024 * 1024
READ_CHUNK = MIB  # hash and buffer in 1 MiB steps so pg_dump's pipe keeps draining


def s3_client(endpoint_url: str | None = None) -> Any:
    """A client with standard retries; per-part Content-MD5 replaces botocore's default checksums."""
    config = Config(
        retries={"mode": "standard", "max_attempts": 5},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=10,
        read_timeout=120,
    )
    return boto3.client("s3", endpoint_url=endpoint_url, config=config)


def describe_aws_error(exc: BaseException, action: str) -> BackupError:
    """One line naming the S3 action and AWS's own code and words."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return BackupError(f"S3 {action} failed: {err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": "))
    if isinstance(exc, BotoCoreError):
        return BackupError(f"S3 {action} failed: {exc}")
    if isinstance(exc, BackupError):
        return exc
    return BackupError(f"S3 {action} failed: {type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class Uploaded:
    size: int
    sha256: str
    etag: str
    parts: int


class BackupStore:
    """One bucket and key prefix."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def list_keys(self) -> list[str]:
        keys: list[str] = []
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                keys.extend(obj["Key"] for obj in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise describe_aws_error(exc, f"list s3://{self.bucket}/{self.prefix}") from None
        return keys

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise describe_aws_error(exc, f"head {key}") from None
        except BotoCoreError as exc:
            raise describe_aws_error(exc, f"head {key}") from None
        return True

    def put_small(self, key: str, body: bytes, content_type: str) -> None:
        digest = base64.b64encode(hashlib.md5(body).digest()).decode()
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, ContentMD5=digest)
        except (ClientError, BotoCoreError) as exc:
            raise describe_aws_error(exc, f"put {key}") from None

    def get_small(self, key: str) -> bytes:
        try:
            return bytes(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except (ClientError, BotoCoreError) as exc:
            raise describe_aws_error(exc, f"get {key}") from None

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            raise describe_aws_error(exc, f"delete {key}") from None

    def upload_stream(
        self,
        key: str,
        stream: IO[bytes],
        part_size: int,
        concurrency: int,
        before_complete: Callable[[], None],
    ) -> Uploaded:
        """Upload everything `stream` yields as one object; `before_complete` may veto (raise) at EOF."""
        try:
            upload_id = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, ContentType="application/octet-stream"
            )["UploadId"]
        except (ClientError, BotoCoreError) as exc:
            raise describe_aws_error(exc, f"start upload of {key}") from None
        try:
            uploaded = self._send_parts(key, upload_id, stream, part_size, concurrency, before_complete)
        except BaseException as exc:
            self._abort(key, upload_id)
            raise describe_aws_error(exc, f"upload of {key}") from None
        self._verify_or_delete(key, uploaded)
        return uploaded

    def _send_parts(
        self,
        key: str,
        upload_id: str,
        stream: IO[bytes],
        part_size: int,
        concurrency: int,
        before_complete: Callable[[], None],
    ) -> Uploaded:
        sha = hashlib.sha256()
        part_md5s: list[bytes] = []
        futures: list[Future[dict[str, Any]]] = []
        slots = threading.BoundedSemaphore(concurrency + 1)
        size = 0
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="s3-part") as pool:
            try:
                while True:
                    part = _read_part(stream, part_size, sha)
                    if not part:
                        break
                    size += len(part)
                    digest = hashlib.md5(part).digest()
                    part_md5s.append(digest)
                    number = len(part_md5s)
                    slots.acquire()
                    for done in futures:  # surface a failed part before reading more
                        if done.done() and (failure := done.exception()) is not None:
                            raise failure
                    future = pool.submit(self._put_part, key, upload_id, number, part, digest)
                    future.add_done_callback(lambda _f: slots.release())
                    futures.append(future)
                    del part
                parts = [f.result() for f in futures]
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
        before_complete()
        if size == 0:
            raise BackupError("pg_dump produced no output")
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
        etag = f'"{hashlib.md5(b"".join(part_md5s)).hexdigest()}-{len(part_md5s)}"'
        return Uploaded(size=size, sha256=sha.hexdigest(), etag=etag, parts=len(part_md5s))

    def _put_part(self, key: str, upload_id: str, number: int, body: bytearray, md5: bytes) -> dict[str, Any]:
        answer = self.client.upload_part(
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
            ContentMD5=base64.b64encode(md5).decode(),
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}

    def _abort(self, key: str, upload_id: str) -> None:
        # On failure the bucket's lifecycle rule removes incomplete uploads after a day.
        with contextlib.suppress(ClientError, BotoCoreError):
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

    def _verify_or_delete(self, key: str, sent: Uploaded) -> None:
        """S3 must report exactly the bytes sent; otherwise the object is removed, never left looking whole."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            self.delete_quietly(key)
            raise describe_aws_error(exc, f"verify {key}") from None
        problems = []
        if int(head["ContentLength"]) != sent.size:
            problems.append(f"size {head['ContentLength']} != {sent.size} sent")
        # ETags of SSE-KMS objects are not MD5-based; size and the manifest's SHA-256 cover those.
        if not str(head.get("ServerSideEncryption", "")).startswith("aws:kms") and head["ETag"] != sent.etag:
            problems.append(f"ETag {head['ETag']} != {sent.etag} computed")
        if problems:
            self.delete_quietly(key)
            raise BackupError(f"uploaded object {key} does not match what was sent ({'; '.join(problems)}); deleted it")

    def delete_quietly(self, key: str) -> None:
        with contextlib.suppress(ClientError, BotoCoreError):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def download_verified(self, key: str, dest: Path, size: int, sha256: str) -> None:
        """Stream the object to `dest`, hashing as it arrives; a mismatch deletes the file and raises."""
        digest = hashlib.sha256()
        received = 0
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            with dest.open("wb") as out:
                for chunk in body.iter_chunks(READ_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    received += len(chunk)
        except (ClientError, BotoCoreError) as exc:
            dest.unlink(missing_ok=True)
            raise describe_aws_error(exc, f"download {key}") from None
        if received != size or digest.hexdigest() != sha256:
            dest.unlink(missing_ok=True)
            raise BackupError(
                f"checksum verification failed for {key}: got {received} bytes sha256 {digest.hexdigest()}, "
                f"manifest says {size} bytes sha256 {sha256}"
            )


def _read_part(stream: IO[bytes], part_size: int, sha: Any) -> bytearray:
    """Up to part_size bytes read straight into one buffer (no joining copy), hashed a chunk at a time."""
    buffer = bytearray(part_size)
    filled = 0
    with memoryview(buffer) as view:
        while filled < part_size:
            # pg_dump's stdout pipe and files are buffered readers (readinto); IO[bytes] does not declare it.
            count = stream.readinto(view[filled:min(part_size, filled + READ_CHUNK)])  # type: ignore[attr-defined]
            if not count:
                break
            sha.update(view[filled:filled + count])
            filled += count
    del buffer[filled:]
    return buffer
