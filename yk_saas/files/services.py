"""The storage interface: size- and type-checked uploads in a per-firm folder.

Files are stored under random names and only ever served through a view of
the owning feature, after that feature checked the user may see the owner.
"""

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from tenants import current_tenant, db
from yk_saas.files.models import StoredFile

MB = 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    extensions: frozenset[str]
    #: Leading bytes the content must start with (any of them); empty = text formats.
    signatures: tuple[bytes, ...]
    content_type: str


KINDS = {
    "pdf": FileKind(frozenset({"pdf"}), (b"%PDF-",), "application/pdf"),
    "png": FileKind(frozenset({"png"}), (b"\x89PNG\r\n\x1a\n",), "image/png"),
    "jpeg": FileKind(frozenset({"jpg", "jpeg"}), (b"\xff\xd8\xff",), "image/jpeg"),
    "webp": FileKind(frozenset({"webp"}), (b"RIFF",), "image/webp"),
    "xlsx": FileKind(frozenset({"xlsx"}), (b"PK\x03\x04",),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": FileKind(frozenset({"docx"}), (b"PK\x03\x04",),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "csv": FileKind(frozenset({"csv"}), (), "text/csv"),
}
IMAGES = ("png", "jpeg", "webp")
DOCUMENTS = ("pdf", "png", "jpeg", "webp", "xlsx", "docx")


class UploadError(ValueError):
    """An upload refused; the message says why, in the user's language."""


def storage_root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def firm_folder() -> Path:
    # The schema name is validated, so it is a safe folder name.
    return storage_root() / current_tenant().schema_name


def detect_kind(name: str, head: bytes, allowed: tuple[str, ...]) -> str:
    """The allowed kind whose extension and leading bytes both match, else raise."""
    base = os.path.basename(name or "")
    if not base or "." not in base:
        raise UploadError(_("The file has no name or extension."))
    extension = base.rsplit(".", 1)[1].lower()
    for kind_name in allowed:
        kind = KINDS[kind_name]
        if extension not in kind.extensions:
            continue
        if not kind.signatures or any(head.startswith(sig) for sig in kind.signatures):
            if kind_name == "webp" and head[8:12] != b"WEBP":
                break
            if not kind.signatures and b"\x00" in head:
                break
            return kind_name
        break
    allowed_ext = ", ".join(sorted({e for k in allowed for e in KINDS[k].extensions}))
    raise UploadError(_("This type of file is not accepted. Allowed: %(types)s.", types=allowed_ext))


def save_upload(upload: FileStorage, *, allowed: tuple[str, ...], max_bytes: int,
                owner_type: str, owner_id: int | None, uploaded_by_id: int | None) -> StoredFile:
    """Check and store one upload; adds a ``StoredFile`` row (the caller commits)."""
    if upload is None or not upload.filename:
        raise UploadError(_("Choose a file to upload."))
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadError(_("The file is larger than %(mb)d MB.", mb=max(1, max_bytes // MB)))
    if not data:
        raise UploadError(_("The file is empty."))
    kind = detect_kind(upload.filename, data[:16], allowed)
    key = secrets.token_urlsafe(24)
    folder = firm_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / key).write_bytes(data)
    stored = StoredFile(
        key=key, original_name=os.path.basename(upload.filename)[:255],
        content_type=KINDS[kind].content_type, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), owner_type=owner_type, owner_id=owner_id,
        uploaded_by_id=uploaded_by_id,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def send_stored_file(stored: StoredFile, inline: bool = False):
    """Serve a file the caller already checked the user may see."""
    path = firm_folder() / stored.key
    response = send_file(path, mimetype=stored.content_type, as_attachment=not inline,
                         download_name=stored.original_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def delete_stored_file(stored: StoredFile) -> None:
    (firm_folder() / stored.key).unlink(missing_ok=True)
    db.session.delete(stored)
