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
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ops.backup.errors import BackupError
from ops.backup.progress import DeadlinePassed, Meter, human_bytes, note, remaining_cap, waiting

MIB = 1024 * 1024
READ_CHUNK = MIB  # hash and buffer in 1 MiB steps so pg_dump's pipe keeps draining


MAX_ATTEMPTS = 5  # the first try and 4 retries
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 120.0


def s3_client(endpoint_url: str | None = None, timeout: float | None = None) -> Any:
    """A client with bounded connect/read timeouts (never longer than the overall `timeout`) and
    standard retries, each retry announced on stderr; per-part Content-MD5 replaces botocore's default checksums."""
    config = Config(
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=remaining_cap(timeout, CONNECT_TIMEOUT),
        read_timeout=remaining_cap(timeout, READ_TIMEOUT),
    )
    client = boto3.client("s3", endpoint_url=endpoint_url, config=config)
    announce_retries(client)
    return client


def announce_retries(client: Any, say: Callable[[str], None] = note) -> None:
    """Print "S3 <Operation>: retrying (n/N) after <cause>" before each retry botocore makes."""
    causes = threading.local()

    def remember(attempts: int = 0, caught_exception: BaseException | None = None,
                 response: Any = None, **_: Any) -> None:
        if caught_exception is not None:
            causes.last = f"{type(caught_exception).__name__}: {caught_exception}"
        elif response is not None:
            status = response[0].status_code if response[0] is not None else "?"
            code = (response[1] or {}).get("Error", {}).get("Code", "")
            causes.last = f"HTTP {status}" + (f" {code}" if code else "")

    def before_send(request: Any, event_name: str = "", **_: Any) -> None:
        attempt = int(request.context.get("retries", {}).get("attempt", 1))
        if attempt > 1:
            operation = event_name.rsplit(".", 1)[-1] or "request"
            say(f"S3 {operation}: retrying ({attempt - 1}/{MAX_ATTEMPTS - 1}) after {getattr(causes, 'last', 'an error')}")

    client.meta.events.register("needs-retry.s3", remember)
    client.meta.events.register("before-send.s3", before_send)


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
        return list(self.list_sizes())

    def list_sizes(self) -> dict[str, int]:
        """Every key under the prefix with its size in bytes."""
        sizes: dict[str, int] = {}
        where = f"s3://{self.bucket}/{self.prefix}"
        try:
            with waiting.on(f"S3 list of {where}"):
                paginator = self.client.get_paginator("list_objects_v2")
                for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                    sizes.update((obj["Key"], int(obj.get("Size", 0))) for obj in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise describe_aws_error(exc, f"list {where}") from None
        return sizes

    def exists(self, key: str) -> bool:
        try:
            with waiting.on(f"S3 head of {key}"):
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
            with waiting.on(f"S3 put of {key}"):
                self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, ContentMD5=digest)
        except (ClientError, BotoCoreError) as exc:
            raise describe_aws_error(exc, f"put {key}") from None

    def get_small(self, key: str) -> bytes:
        try:
            with waiting.on(f"S3 get of {key}"):
                return bytes(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except (ClientError, BotoCoreError) as exc:
            raise describe_aws_error(exc, f"get {key}") from None

    def delete(self, key: str) -> None:
        try:
            with waiting.on(f"S3 delete of {key}"):
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
            with waiting.on(f"S3 start of the upload of {key}"):
                upload_id = self.client.create_multipart_upload(
                    Bucket=self.bucket, Key=key, ContentType="application/octet-stream"
                )["UploadId"]
        except (ClientError, BotoCoreError) as exc:
            raise describe_aws_error(exc, f"start upload of {key}") from None
        try:
            uploaded = self._send_parts(key, upload_id, stream, part_size, concurrency, before_complete)
        except BaseException as exc:
            if isinstance(exc, DeadlinePassed):
                raise  # no abort on an endpoint that may hang again: the bucket's lifecycle rule removes the parts
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
        slots = threading.BoundedSemaphore(concurrency + 1)  # parts held in memory at once
        workers = threading.BoundedSemaphore(concurrency)  # parts on the wire at once
        size = 0
        meter = Meter(f"dump+upload {key}")
        try:
            while True:
                with waiting.on(f"pg_dump output (part {len(part_md5s) + 1})"):
                    part = _read_part(stream, part_size, sha)
                if not part:
                    break
                size += len(part)
                digest = hashlib.md5(part).digest()
                part_md5s.append(digest)
                number = len(part_md5s)
                with waiting.on(f"S3 upload of part {_oldest_pending(futures)}"):
                    slots.acquire()
                for done in futures:  # surface a failed part before reading more
                    if done.done() and (failure := done.exception()) is not None:
                        raise failure
                futures.append(self._start_part(key, upload_id, number, part, digest, workers, slots, meter))
                del part
            parts = []
            for number, future in enumerate(futures, start=1):
                with waiting.on(f"S3 upload of part {number}"):
                    parts.append(future.result())
        except BaseException:
            for f in futures:
                f.cancel()
            meter.finish(ok=False)
            raise
        meter.finish()
        before_complete()
        if size == 0:
            raise BackupError("pg_dump produced no output")
        with waiting.on(f"S3 completion of the upload of {key}"):
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        etag = f'"{hashlib.md5(b"".join(part_md5s)).hexdigest()}-{len(part_md5s)}"'
        return Uploaded(size=size, sha256=sha.hexdigest(), etag=etag, parts=len(part_md5s))

    def _start_part(
        self, key: str, upload_id: str, number: int, body: bytearray, md5: bytes,
        workers: threading.BoundedSemaphore, slots: threading.BoundedSemaphore, meter: Meter,
    ) -> Future[dict[str, Any]]:
        """Send one part on a daemon thread: a part stuck on a hung endpoint never keeps the process alive."""
        future: Future[dict[str, Any]] = Future()

        def send() -> None:
            try:
                with workers:
                    if not future.set_running_or_notify_cancel():
                        return
                    try:
                        future.set_result(self._put_part(key, upload_id, number, body, md5))
                        meter.advance(len(body))
                    except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
                        future.set_exception(exc)
            finally:
                slots.release()

        threading.Thread(target=send, name=f"s3-part-{number}", daemon=True).start()
        return future

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
            with waiting.on(f"S3 head of {key}"):
                head = self.client.head_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            self.delete_quietly(key)
            raise describe_aws_error(exc, f"verify {key}") from None
        problems = []
        if int(head["ContentLength"]) != sent.size:
            problems.append(f"size {human_bytes(int(head['ContentLength']))} != {human_bytes(sent.size)} sent")
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
        meter = Meter(f"download {key}", size)
        try:
            with waiting.on(f"S3 download of {key}"):
                body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            with dest.open("wb") as out:
                for chunk in body.iter_chunks(READ_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    received += len(chunk)
                    meter.advance(len(chunk))
                    waiting.what = f"S3 download of {key} ({human_bytes(received)} of {human_bytes(size)} received)"
        except BaseException as exc:
            dest.unlink(missing_ok=True)
            meter.finish(ok=False)
            if isinstance(exc, (ClientError, BotoCoreError)):
                raise describe_aws_error(exc, f"download {key}") from None
            raise
        meter.finish()
        if received != size or digest.hexdigest() != sha256:
            dest.unlink(missing_ok=True)
            raise BackupError(
                f"checksum verification failed for {key}: got {human_bytes(received)} ({received} bytes) sha256 "
                f"{digest.hexdigest()}, manifest says {human_bytes(size)} ({size} bytes) sha256 {sha256}"
            )


def _oldest_pending(futures: list[Future[dict[str, Any]]]) -> int:
    return next((n for n, f in enumerate(futures, start=1) if not f.done()), len(futures) + 1)


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
