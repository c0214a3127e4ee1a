"""Where uploaded and generated files live: local disk by default, S3-compatible by config.

Keys are opaque paths chosen by the caller ("photos/2026/11/<uuid>.jpg"), random
enough to be capability URLs. App servers keep no files of their own in production:
with MEDIA_STORAGE=s3 every server and worker reads and writes the same bucket.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app

from gridapp.errors import NotFound

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$")


def check_key(key: str) -> str:
    """Refuse keys that could escape the media root or the bucket prefix."""
    if not _KEY_RE.match(key) or ".." in key.split("/") or "//" in key:
        raise ValueError(f"invalid media key {key!r}")
    return key


class MediaStorage(Protocol):
    def save(self, key: str, data: bytes, content_type: str) -> None: ...
    def read(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def url(self, key: str) -> str: ...


class LocalStorage:
    def __init__(self, root: str | Path, base_url: str):
        self.root = Path(root)
        self.base_url = base_url.rstrip("/")

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def save(self, key: str, data: bytes, content_type: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound("文件不存在") from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def url(self, key: str) -> str:
        return f"{self.base_url}/media/{check_key(key)}"


class S3Storage:
    """Any S3-compatible service (AWS, MinIO, OSS/COS S3 gateways) through boto3."""

    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None, region: str | None = None, public_url: str | None = None):
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)
        self.public_url = public_url.rstrip("/") if public_url else None

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def save(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)

    def read(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise NotFound("文件不存在") from None

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def url(self, key: str) -> str:
        if self.public_url:
            return f"{self.public_url}/{self._key(key)}"
        return self.client.generate_presigned_url("get_object", Params={"Bucket": self.bucket, "Key": self._key(key)}, ExpiresIn=3600)


def media_storage() -> MediaStorage:
    """The storage configured for this app, built once per app."""
    storage = current_app.extensions.get("gridapp.storage")
    if storage is None:
        config = current_app.config
        if config["MEDIA_STORAGE"] == "s3":
            storage = S3Storage(
                config["S3_BUCKET"],
                prefix=config["S3_PREFIX"] or "",
                endpoint_url=config["S3_ENDPOINT_URL"],
                region=config["S3_REGION"],
                public_url=config["S3_PUBLIC_URL"],
            )
        else:
            storage = LocalStorage(config["MEDIA_ROOT"], config["PUBLIC_BASE_URL"])
        current_app.extensions["gridapp.storage"] = storage
    return storage
