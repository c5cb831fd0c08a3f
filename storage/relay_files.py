"""Files on their way from one side of a pair to the other: stored when they arrive, read
by the dispatcher, deleted once delivered (or given up)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RelayFile

__all__ = ["MAX_FILE_BYTES", "drop", "load", "store"]

# Telegram lets a bot download at most 20 MB: nothing larger can pass either way
MAX_FILE_BYTES = 20 * 1024 * 1024


async def store(
    session: AsyncSession, *, filename: str, mime_type: str, content: bytes, now: datetime
) -> int:
    """Keep a file until it is delivered; its id goes in the delivery's context."""
    if len(content) > MAX_FILE_BYTES:
        raise ValueError(f"a relayed file is at most {MAX_FILE_BYTES} bytes")
    row = RelayFile(
        filename=filename[:255],
        mime_type=mime_type[:100],
        size=len(content),
        content=content,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


async def load(session: AsyncSession, file_id: int) -> RelayFile | None:
    """The file, if it has not been delivered (and deleted) yet."""
    return await session.get(RelayFile, file_id)


async def drop(session: AsyncSession, file_id: int) -> None:
    """Delete the file: delivered, given up, or its sender erased."""
    await session.execute(delete(RelayFile).where(RelayFile.id == file_id))
