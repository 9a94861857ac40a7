"""What crashed processes leave behind is swept: LibreOffice and its folders, half-written and unreferenced files."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import pytest

from doc_templates import pool
from storage.blobs import blobs


def _age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_half_written_and_unreferenced_files_are_swept_once_old_and_kept_files_never(
        app, db, people, make_agreement, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # no other process's folders are touched
    document_id = make_agreement(send=False)
    from storage.models import Document

    kept = db.get(Document, document_id).docx_sha256
    db.rollback()
    store = blobs()
    orphan, recent = store.put(b"an orphan nobody refers to"), store.put(b"written a moment ago")
    stale_incoming = store.root / orphan[:2] / ".incoming-stale"
    stale_incoming.write_bytes(b"half")
    fresh_incoming = store.root / orphan[:2] / ".incoming-fresh"
    fresh_incoming.write_bytes(b"half")
    for path in (stale_incoming, store._path(orphan), store._path(kept)):
        _age(path, 2 * 86400)

    result = app.test_cli_runner().invoke(args=["clean-up"])
    assert result.exit_code == 0, result.output
    assert "1 half-written file(s) and 1 file(s) nothing refers to" in result.output
    assert not stale_incoming.exists() and not store.exists(orphan)
    assert fresh_incoming.exists() and store.exists(recent) and store.exists(kept)


def _libreoffice_stand_in(folder) -> subprocess.Popen:
    """A process whose command line names the folder, as LibreOffice's names its profile inside it."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", str(folder / "profile")],
                            start_new_session=True)


def test_the_folders_of_a_stopped_process_are_removed_and_its_libreoffice_killed(tmp_path):
    finished = subprocess.Popen(["true"])
    finished.wait()
    stale = tmp_path / f"{pool.POOL_PREFIX}{finished.pid}-abc"
    live = tmp_path / f"{pool.POOL_PREFIX}{os.getpid()}-def"
    stale.mkdir()
    live.mkdir()
    left_behind, still_used = _libreoffice_stand_in(stale), _libreoffice_stand_in(live)
    try:
        time.sleep(0.3)  # its command line is readable once it has started
        assert pool.sweep_stale(str(tmp_path)) == 1
        assert left_behind.wait(10) == -9
        assert not stale.exists() and live.exists() and still_used.poll() is None
    finally:
        for process in (left_behind, still_used):
            process.kill()
            process.wait()


@pytest.mark.libreoffice
def test_libreoffice_dies_with_the_process_that_started_it(tmp_path):
    script = ("import sys, time; sys.path.insert(0, '.');"
              "from doc_templates import pool; pool.configure(1); p = pool.get(); p.start();"
              "print(p.workdir, flush=True); time.sleep(300)")
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                          env={**os.environ, "TMPDIR": str(tmp_path)}) as owner:
        try:
            workdir = owner.stdout.readline().strip()
            assert workdir, "the pool did not start"
            assert pool._processes_using(tmp_path / os.path.basename(workdir)), "no LibreOffice was running"
        finally:
            owner.kill()  # SIGKILL: it has no chance to stop LibreOffice itself
    deadline = time.monotonic() + 10
    while pool._processes_using(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pool._processes_using(tmp_path) == []
