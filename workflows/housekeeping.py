"""Sweeping what crashes leave behind: work claimed by dead processes, LibreOffice and its folders, half-written
and unreferenced files in the file store. Run by the worker at start-up and daily, and by `flask sweep`."""

from __future__ import annotations

import dataclasses
import logging
import os
import pathlib
import socket

from doc_templates import pool
from storage import jobs, outbox
from storage.blobs import blobs, referenced_hashes
from storage.db import session as db

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Swept:
    abandoned_jobs: int  # background jobs and emails
    pool_folders: int
    half_written: int
    unreferenced: int


def sweep() -> Swept:
    """Clean up after processes that died; safe while other processes work (it only takes what is stale)."""
    abandoned = jobs.release_abandoned(db, process_is_alive) + outbox.release_abandoned(db, process_is_alive)
    db.commit()
    folders = pool.sweep_stale()
    kept = referenced_hashes(db)
    db.commit()
    files = blobs().sweep(kept)
    swept = Swept(abandoned, folders, files.half_written, files.unreferenced)
    if any(dataclasses.astuple(swept)):
        log.info("freed %s job(s) and email(s) held by stopped processes; swept %s LibreOffice folder(s) of stopped processes, "
                 "%s half-written and %s unreferenced file(s)", *dataclasses.astuple(swept))
    return swept


def process_is_alive(owner: str) -> bool:
    """Whether the process holding a claim (host:pid) still runs; a process on another host is taken as alive,
    its claim runs out by itself if not."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed process not yet reaped by its parent is a zombie: dead all the same
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True

