"""Which files a person may pass on through the bot, whatever the platform: documents a CV
or a cover letter comes as (PDF, Word, OpenDocument) and images, up to Telegram's 20 MB
download limit. Everything else is refused kindly, before anything is downloaded."""

from __future__ import annotations

from pathlib import PurePosixPath

from storage.relay_files import MAX_FILE_BYTES

__all__ = [
    "DOWNLOAD_FAILED",
    "MAX_FILE_BYTES",
    "TOO_LARGE",
    "UNSUPPORTED",
    "mime_type",
    "refusal",
    "safe_filename",
]

# why a file could not be taken (`Incoming.file_refused`)
TOO_LARGE = "too_large"
UNSUPPORTED = "unsupported_type"
DOWNLOAD_FAILED = "download_failed"

# what may pass: extension -> its MIME type
ACCEPTED = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".heic": "image/heic",
}
_BY_MIME = {mime: extension for extension, mime in ACCEPTED.items()}
# names some platforms give the same types
_ALIASES = {"image/jpg": "image/jpeg", "image/heif": "image/heic"}


def _extension(filename: str) -> str:
    return PurePosixPath(filename.strip().lower()).suffix


def mime_type(filename: str, declared: str | None) -> str | None:
    """The accepted MIME type of a file, from its declared type or else its name's
    extension; None when it is not a type we pass on."""
    mime = (declared or "").split(";", 1)[0].strip().lower()
    mime = _ALIASES.get(mime, mime)
    if mime in _BY_MIME:
        return mime
    if mime and mime not in ("application/octet-stream", "binary/octet-stream"):
        # a type the platform named, and not one of ours: the extension does not make it one
        return None
    return ACCEPTED.get(_extension(filename))


def refusal(filename: str, declared: str | None, size: int | None) -> str:
    """Why this file cannot be taken ("" when it can): too large, or not a document or an
    image we pass on. An unknown size is checked once downloaded."""
    if size is not None and size > MAX_FILE_BYTES:
        return TOO_LARGE
    if mime_type(filename, declared) is None:
        return UNSUPPORTED
    return ""


def safe_filename(name: str, fallback: str = "file") -> str:
    """A file's name without any folder, control character or excess length."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable()).strip().strip(".")
    if not cleaned:
        return fallback
    if len(cleaned) > 200:
        stem, dot, extension = cleaned.rpartition(".")
        cleaned = (stem[: 200 - len(extension) - 1] + dot + extension) if dot else cleaned[:200]
    return cleaned
