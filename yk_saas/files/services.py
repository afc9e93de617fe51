"""The storage interface: size- and type-checked uploads in a per-firm folder.

Files are stored under random names and only ever served through a view of
the owning feature, after that feature checked the user may see the owner.
"""

import hashlib
import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from tenants import current_tenant, db
from yk_saas.errors import UserError
from yk_saas.files.models import StoredFile

MB = 1024 * 1024
MAX_NAME = 255


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
    "xlsx": FileKind(
        frozenset({"xlsx"}),
        (b"PK\x03\x04",),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "docx": FileKind(
        frozenset({"docx"}),
        (b"PK\x03\x04",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "csv": FileKind(frozenset({"csv"}), (), "text/csv"),
    # China's electronic fapiao formats: OFD (GB/T 33190, a zip of XML parts) and its XML.
    "ofd": FileKind(frozenset({"ofd"}), (b"PK\x03\x04",), "application/ofd"),
    "xml": FileKind(frozenset({"xml"}), (b"<?xml", b"\xef\xbb\xbf<?xml"), "application/xml"),
}
IMAGES = ("png", "jpeg", "webp")
DOCUMENTS = ("pdf", "png", "jpeg", "webp", "xlsx", "docx")

#: Zip-based kinds and the parts each must contain to be what its name says.
ZIP_KINDS = {
    "xlsx": ("[Content_Types].xml", "xl/workbook.xml"),
    "docx": ("[Content_Types].xml", "word/document.xml"),
    "ofd": ("OFD.xml",),
}
#: Zip limits, checked on the central directory before anything is inflated (zipfile
#: never inflates a member past its declared size, so the declared sizes are binding).
MAX_ZIP_MEMBERS = 1000
MAX_UNZIPPED_BYTES = 200 * MB
MAX_ZIP_RATIO = 100
#: Members smaller than this may compress however well they like (tiny XML parts do).
ZIP_RATIO_FLOOR = MB
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
ARCHIVE_SIGNATURES = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh", b"\xfd7zXZ")
ARCHIVE_EXTENSIONS = (".zip", ".gz", ".tgz", ".7z", ".rar", ".bz2", ".xz", ".tar")
#: Word and Excel embed other Office files (a chart's workbook in a report): not archives here.
OFFICE_EXTENSIONS = (".xlsx", ".xlsm", ".docx", ".docm", ".pptx")


class UploadError(UserError):
    """An upload refused; the message says why, in the user's language."""


def storage_root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def firm_folder() -> Path:
    # The schema name is validated, so it is a safe folder name.
    return storage_root() / current_tenant().schema_name


def safe_name(name: str | None) -> str:
    """The last part of a name a browser sent, without control characters, at most 255 long.

    The name is only ever shown and offered as a download name, never used as a path.
    """
    base = re.split(r"[\\/]", name or "")[-1]
    # Control and format characters (NUL, newlines, right-to-left overrides) go.
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if base in (".", ".."):
        return ""
    if len(base) > MAX_NAME:
        stem, dot, extension = base.rpartition(".")
        keep = extension if dot and len(extension) <= 10 else ""
        base = base[:MAX_NAME] if not keep else stem[: MAX_NAME - len(keep) - 1] + "." + keep
    return base


def looks_like_markup(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def detect_kind(name: str, data: bytes, allowed: tuple[str, ...]) -> str:
    """The allowed kind whose extension and content both match, else raise."""
    base = safe_name(name)
    if not base or "." not in base:
        raise UploadError(_("The file has no name or extension."))
    extension = base.rsplit(".", 1)[1].lower()
    for kind_name in allowed:
        kind = KINDS[kind_name]
        if extension not in kind.extensions:
            continue
        if not kind.signatures or any(data.startswith(sig) for sig in kind.signatures):
            if kind_name == "webp" and data[8:12] != b"WEBP":
                break
            # Text kinds: binary anywhere, or markup a browser would sniff as HTML, is refused.
            if not kind.signatures and (b"\x00" in data or looks_like_markup(data)):
                break
            return kind_name
        break
    allowed_ext = ", ".join(sorted({e for k in allowed for e in KINDS[k].extensions}))
    raise UploadError(
        _("This type of file is not accepted. Allowed: %(types)s.", types=allowed_ext)
    )


def check_zip_container(data: bytes, kind: str, max_unzipped: int = MAX_UNZIPPED_BYTES) -> None:
    """Refuse a zip-based document that is damaged, not of its kind, or a zip bomb.

    Reads only the central directory and the first bytes of each member.
    """
    damaged = UploadError(
        _("The file is damaged or is not a real %(type)s file.", type=kind.upper())
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise damaged from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise UploadError(_("The file has more than %(n)d parts.", n=MAX_ZIP_MEMBERS))
        names = {m.filename for m in members}
        if not all(part in names for part in ZIP_KINDS[kind]):
            raise damaged
        if sum(m.file_size for m in members) > max_unzipped:
            raise UploadError(_("The file unpacks to more than %(mb)d MB.", mb=max_unzipped // MB))
        for member in members:
            # Office files use only these two methods (others inflate in unbounded steps)
            # and are never encrypted at the zip level.
            if member.compress_type not in ZIP_METHODS or member.flag_bits & 1:
                raise damaged
            ratio = member.file_size / max(1, member.compress_size)
            if member.file_size > ZIP_RATIO_FLOOR and ratio > MAX_ZIP_RATIO:
                raise UploadError(_("The file is packed suspiciously tightly; it was refused."))
            name = member.filename.lower()
            if name.endswith(OFFICE_EXTENSIONS) or member.is_dir():
                continue
            try:
                with archive.open(member) as part:
                    head = part.read(8)
            except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError):
                raise damaged from None
            if name.endswith(ARCHIVE_EXTENSIONS) or head.startswith(ARCHIVE_SIGNATURES):
                raise UploadError(_("Files with an archive inside are not accepted."))


def save_upload(
    upload: FileStorage,
    *,
    allowed: tuple[str, ...],
    max_bytes: int,
    owner_type: str,
    owner_id: int | None,
    uploaded_by_id: int | None,
) -> StoredFile:
    """Check and store one upload; adds a ``StoredFile`` row (the caller commits).

    The file is removed again if the transaction does not commit.
    """
    if upload is None or not upload.filename:
        raise UploadError(_("Choose a file to upload."))
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadError(_("The file is larger than %(mb)d MB.", mb=max(1, max_bytes // MB)))
    if not data:
        raise UploadError(_("The file is empty."))
    kind = detect_kind(upload.filename, data, allowed)
    if kind in ZIP_KINDS:
        check_zip_container(data, kind)
    key = secrets.token_urlsafe(24)
    folder = firm_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / key).write_bytes(data)
    db.session().info.setdefault("yk_uncommitted_files", []).append(folder / key)
    stored = StoredFile(
        key=key,
        original_name=safe_name(upload.filename),
        content_type=KINDS[kind].content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        owner_type=owner_type,
        owner_id=owner_id,
        uploaded_by_id=uploaded_by_id,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def files_of_kinds_query(owner_types: tuple[str, ...]):
    """Stored files owned by one of ``owner_types``; features narrow it to what a reader may see."""
    return select(StoredFile).where(StoredFile.owner_type.in_(owner_types))


def get_file_of_kinds(key: str, owner_types: tuple[str, ...]) -> StoredFile | None:
    """The stored file with this key among ``owner_types``, or None."""
    return db.session.scalar(files_of_kinds_query(owner_types).where(StoredFile.key == key))


def send_stored_file(stored: StoredFile, inline: bool = False):
    """Serve a file the caller already checked the user may see."""
    path = firm_folder() / stored.key
    response = send_file(
        path,
        mimetype=stored.content_type,
        as_attachment=not inline,
        download_name=safe_name(stored.original_name) or stored.key,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def delete_stored_file(stored: StoredFile) -> None:
    (firm_folder() / stored.key).unlink(missing_ok=True)
    db.session.delete(stored)


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session):
    session.info.pop("yk_uncommitted_files", None)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session, transaction):
    """A refused request (rollback, error, or no commit) leaves no file behind on disk."""
    if transaction.parent is None:
        for path in session.info.pop("yk_uncommitted_files", []):
            Path(path).unlink(missing_ok=True)
