"""Sweeping what crashes leave behind: LibreOffice and its folders from dead processes, half-written and
unreferenced files in the file store. Run by the worker at start-up and daily, and by `flask sweep`."""

from __future__ import annotations

import dataclasses
import logging

from doc_templates import pool
from storage.blobs import blobs, referenced_hashes
from storage.db import session as db

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Swept:
    pool_folders: int
    half_written: int
    unreferenced: int


def sweep() -> Swept:
    """Clean up after processes that died; safe while other processes work (it only takes what is stale)."""
    folders = pool.sweep_stale()
    kept = referenced_hashes(db)
    db.commit()
    files = blobs().sweep(kept)
    swept = Swept(folders, files.half_written, files.unreferenced)
    if any(dataclasses.astuple(swept)):
        log.info("swept %s LibreOffice folder(s) of stopped processes, %s half-written and %s unreferenced file(s)",
                 *dataclasses.astuple(swept))
    return swept
