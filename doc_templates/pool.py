"""A small pool of warm LibreOffice instances (unoserver) converting Word files to PDF in parallel."""

from __future__ import annotations

import atexit
import http.client
import importlib.util
import json
import logging
import os
import pathlib
import queue
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import xmlrpc.client

from doc_templates.libreoffice import COLD_PREFIX, PDF_EXPORT_FILTER, ConversionError, warm_filter_options

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 60
DEFAULT_SIZE = 2
DEFAULT_PYTHON = "/usr/bin/python3"


# Runs each instance's unoserver as its child, in the instance's own process group, and kills that whole group
# (unoserver, oosplash, soffice.bin) as soon as the app process that started it is gone, however it went:
# LibreOffice never outlives the process that started it, not even a `kill -9`.
_WATCHDOG = """
import os, signal, subprocess, sys
parent = int(sys.argv[1])
child = subprocess.Popen(sys.argv[2:])
signal.signal(signal.SIGTERM, lambda *_: os.killpg(0, signal.SIGKILL))
while True:
    try:
        sys.exit(child.wait(0.5))
    except subprocess.TimeoutExpired:
        pass
    if os.getppid() != parent:
        os.killpg(0, signal.SIGKILL)
"""
POOL_PREFIX = "countersign-lo-pool-"


class PoolUnavailable(ConversionError):
    """No LibreOffice instance could be started; the conversion should wait and be tried again."""


class _TimeoutTransport(xmlrpc.client.Transport):
    # xmlrpc.client has no timeout of its own; a hung LibreOffice would block the worker for ever.
    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Instance:
    """One LibreOffice kept running behind unoserver, with its own profile, ports and process group."""

    def __init__(self, index: int, pool: Pool):
        self.index = index
        self.pool = pool
        self.process: subprocess.Popen | None = None
        self.workdir: pathlib.Path | None = None
        self.port = self.uno_port = None
        self.state = "not started"
        self.conversions = 0
        self.restarts = 0
        self.started_at: float | None = None
        self.last_error: str | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start unoserver and its LibreOffice, and wait until it answers; raises PoolUnavailable if it cannot."""
        self.stop()
        self.state = "starting"
        self.pool.publish()
        self.port = _free_port()
        self.uno_port = _free_port()
        while self.uno_port == self.port:
            self.uno_port = _free_port()
        self.workdir = pathlib.Path(tempfile.mkdtemp(prefix=f"instance{self.index}-", dir=self.pool.workdir))
        command = [
            self.pool.python, "-c", _WATCHDOG, str(os.getpid()),
            self.pool.python, "-m", "unoserver.server",
            "--interface", "127.0.0.1", "--port", str(self.port),
            "--uno-interface", "127.0.0.1", "--uno-port", str(self.uno_port),
            "--user-installation", str(self.workdir / "profile"),
            "--executable", self.pool.soffice,
        ]
        env = {**os.environ, "HOME": str(self.workdir), "TMPDIR": str(self.workdir), "PYTHONPATH": str(self.pool.shim)}
        with open(self.workdir / "unoserver.log", "wb") as log_file:
            try:
                # Its own process group, so stopping it also stops soffice.bin and anything it spawned.
                self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file,
                                                env=env, cwd=self.workdir, start_new_session=True)
            except OSError as exc:
                self._give_up(f"could not run {self.pool.python}: {exc}")
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if not self.running:
                self._give_up(f"it exited with status {self.process.returncode}")
            try:
                self._proxy(2).system.listMethods()
            except (OSError, http.client.HTTPException, xmlrpc.client.Error):
                time.sleep(0.2)
                continue
            self.state, self.started_at, self.last_error = "idle", time.time(), None
            self.pool.last_error = None
            log.info("LibreOffice instance %s is ready (pid %s, port %s)", self.index, self.process.pid, self.port)
            self.pool.publish()
            return
        self._give_up(f"it did not answer within {START_TIMEOUT_SECONDS} seconds")

    def _give_up(self, why: str) -> None:
        said = self.log_tail()
        self.stop()
        self.state = "failed"
        self.last_error = f"LibreOffice instance {self.index} could not start: {why}. It said: {said}"
        self.pool.last_error = self.last_error
        self.pool.publish()
        log.error("%s", self.last_error)
        raise PoolUnavailable(
            f"No LibreOffice instance could start ({why}); check `soffice --version` and that "
            f"`{self.pool.python} -c 'import uno'` works (Debian: python3-uno). The document waits and "
            "Countersign will keep trying."
        )

    def log_tail(self) -> str:
        try:
            text = (self.workdir / "unoserver.log").read_text("utf-8", "replace")
        except (OSError, TypeError):
            return "(nothing)"
        return " | ".join(text.strip().splitlines()[-3:]) or "(nothing)"

    def _proxy(self, timeout: float) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self.port}", transport=_TimeoutTransport(timeout),
                                         allow_none=True)

    def convert(self, docx: bytes, timeout: float) -> bytes:
        """Convert on this instance; transport errors mean the instance is gone or hung."""
        self.state = "converting"
        self.pool.publish()
        try:
            result = self._proxy(timeout).convert(
                None, xmlrpc.client.Binary(docx), None, "pdf", PDF_EXPORT_FILTER, warm_filter_options(),
                False, "MS Word 2007 XML",
            )
        finally:
            self.state = "idle" if self.running else "stopped"
        self.conversions += 1
        self.pool.publish()
        return result.data

    def stop(self) -> None:
        """Stop the instance's whole process group and remove its profile."""
        if self.process is not None:
            # SIGKILL at once: the profile and temporary files are throwaway (all under workdir, removed below),
            # and a LibreOffice that is being stopped is often one that has stopped answering.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                log.error("LibreOffice instance %s (pid %s) did not stop after SIGKILL", self.index, self.process.pid)
            self.process = None
            self.state = "stopped"
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def describe(self) -> dict:
        return {
            "instance": self.index, "state": self.state, "pid": self.process.pid if self.running else None,
            "port": self.port if self.running else None, "conversions": self.conversions,
            "restarts": self.restarts, "last_error": self.last_error,
        }


class Pool:
    """Instances handed out one conversion at a time; a dead or hung one is restarted."""

    def __init__(self, size: int, *, python: str = DEFAULT_PYTHON, soffice: str, status_dir: str | None = None):
        self.size = size
        self.python = python
        self.soffice = soffice
        self.status_dir = status_dir
        self.last_error: str | None = None
        # The process id in the name lets a later start-up tell a folder left by a dead process (sweep_stale).
        self.workdir = pathlib.Path(tempfile.mkdtemp(prefix=f"{POOL_PREFIX}{os.getpid()}-"))
        # Only unoserver goes on the LibreOffice Python's path, not the rest of our virtualenv.
        self.shim = self.workdir / "shim"
        self.shim.mkdir()
        package = pathlib.Path(importlib.util.find_spec("unoserver").origin).parent
        (self.shim / "unoserver").symlink_to(package)
        for metadata in package.parent.glob("unoserver-*.dist-info"):  # unoserver reads its own version
            (self.shim / metadata.name).symlink_to(metadata)
        self.instances = [Instance(i, self) for i in range(size)]
        self._idle: queue.Queue[Instance] = queue.Queue()
        for instance in self.instances:
            self._idle.put(instance)
        self._publish_lock = threading.Lock()
        self.closed = False

    def start(self) -> None:
        """Start every instance now (the worker does this so the first document does not wait)."""
        taken = [self._idle.get() for _ in self.instances]
        try:
            threads = [threading.Thread(target=self._start_quietly, args=(i,)) for i in taken if not i.running]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            for instance in taken:
                self._idle.put(instance)

    @staticmethod
    def _start_quietly(instance: Instance) -> None:
        try:
            instance.start()
        except PoolUnavailable:
            pass  # already logged; the next conversion tries again

    def convert(self, docx: bytes, timeout: float) -> bytes:
        """Convert on a free instance, waiting up to `timeout` for one; retried once if the instance dies."""
        if self.closed:
            raise PoolUnavailable("The LibreOffice pool has been shut down (the app is stopping); the document waits.")
        try:
            instance = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise ConversionError(
                f"All {self.size} LibreOffice instances stayed busy for {timeout:g} seconds; the document waits "
                "and Countersign will keep trying (raise COUNTERSIGN_PDF_POOL_SIZE if this keeps happening)."
            ) from None
        try:
            return self._convert_on(instance, docx, timeout)
        finally:
            self._idle.put(instance)

    def _convert_on(self, instance: Instance, docx: bytes, timeout: float) -> bytes:
        failure = ""
        for _attempt in range(2):
            if self.closed:
                raise PoolUnavailable("The LibreOffice pool was shut down (the app is stopping); the document waits.")
            if not instance.running:
                instance.start()
            try:
                return instance.convert(docx, timeout)
            except xmlrpc.client.Fault as fault:
                if instance.running:
                    raise ConversionError(
                        "LibreOffice could not convert the document; check that the .docx opens in Word or "
                        f"LibreOffice. LibreOffice said: {fault.faultString.strip().splitlines()[-1]}"
                    ) from None
                failure = fault.faultString
            except TimeoutError:
                # A hang is not retried here: the job's backoff gives a struggling server room.
                self._replace(instance, f"no answer within {timeout:g} seconds", retried=False)
                raise ConversionError(
                    f"LibreOffice took longer than {timeout:g} seconds to convert the document and was stopped "
                    "(a fresh one starts for the next try); check the server's load and whether the document "
                    "is unusually large."
                ) from None
            except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError) as exc:
                failure = f"{type(exc).__name__}: {exc}"
            self._replace(instance, f"it died during a conversion ({failure})")
        raise ConversionError(f"LibreOffice died twice while converting the document ({failure}); it will be retried.")

    def _replace(self, instance: Instance, why: str, *, retried: bool = True) -> None:
        log.warning("LibreOffice instance %s stopped: %s; it is restarted and the conversion %s", instance.index, why,
                    "tried again now" if retried else "retried by its job")
        instance.last_error = why
        instance.restarts += 1
        instance.stop()
        self.publish()

    def status(self) -> dict:
        return {"pid": os.getpid(), "size": self.size, "python": self.python, "soffice": self.soffice,
                "last_error": self.last_error, "updated": time.time(),
                "instances": [instance.describe() for instance in self.instances]}

    def publish(self) -> None:
        """Write this process's pool state where `flask render-status` can read it."""
        if not self.status_dir:
            return
        with self._publish_lock:
            try:
                directory = pathlib.Path(self.status_dir)
                directory.mkdir(parents=True, exist_ok=True)
                temporary = directory / f".{os.getpid()}.json.tmp"
                temporary.write_text(json.dumps(self.status()))
                temporary.replace(directory / f"{os.getpid()}.json")
            except OSError as exc:
                log.warning("could not write the LibreOffice pool's status to %s: %s", self.status_dir, exc)

    def shutdown(self) -> None:
        """Stop every instance and remove the pool's files; a conversion in flight fails and its job waits."""
        self.closed = True
        for instance in self.instances:
            instance.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self.status_dir:
            (pathlib.Path(self.status_dir) / f"{os.getpid()}.json").unlink(missing_ok=True)


def sweep_stale(temp_dir: str | None = None, *, cold_after_seconds: float = 3600) -> int:
    """Remove the pool folders of processes that have died, and cold conversions' folders older than
    `cold_after_seconds`, killing any LibreOffice still running from them; how many folders were removed."""
    removed = 0
    temp = pathlib.Path(temp_dir or tempfile.gettempdir())
    for folder in [*temp.glob(f"{POOL_PREFIX}*"), *temp.glob(f"{COLD_PREFIX}*")]:
        users = _processes_using(folder)
        if folder.name.startswith(POOL_PREFIX):
            owner = folder.name[len(POOL_PREFIX):].split("-", 1)[0]
            if owner.isdigit() and _alive(int(owner)):
                continue
            if not owner.isdigit() and not _orphaned(users):
                continue  # a folder named before names held the owner: taken only once its LibreOffice is orphaned
        else:
            try:
                if time.time() - folder.stat().st_mtime < cold_after_seconds:
                    continue
            except OSError:
                continue
        for pid in users:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # killed but not yet reaped by its parent: dead all the same
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _orphaned(pids: list[int]) -> bool:
    """Whether these processes have lost the process that started them (their eldest is now init's child)."""
    parents = {}
    for pid in pids:
        try:
            parents[pid] = int(pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return all(parent == 1 for parent in parents.values() if parent not in parents)


def _processes_using(folder: pathlib.Path) -> list[int]:
    """Processes whose command line names the folder (LibreOffice started from it: its profile is inside)."""
    needle = str(folder).encode()
    found = []
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if needle in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def read_statuses(status_dir: str) -> list[dict]:
    """The pool state published by every live process using `status_dir`."""
    found = []
    for path in sorted(pathlib.Path(status_dir).glob("*.json")):
        try:
            status = json.loads(path.read_text())
            os.kill(int(status["pid"]), 0)
        except (OSError, ValueError, KeyError):
            continue  # a process that has gone
        found.append(status)
    return found


_settings: dict = {"size": int(os.environ.get("COUNTERSIGN_PDF_POOL_SIZE", DEFAULT_SIZE)),
                   "python": os.environ.get("COUNTERSIGN_PDF_POOL_PYTHON", DEFAULT_PYTHON), "status_dir": None}
_pool: Pool | None = None
_unavailable: str | None = None
_lock = threading.Lock()


def configure(size: int, *, python: str = DEFAULT_PYTHON, status_dir: str | None = None) -> None:
    """Set the pool's size and LibreOffice Python; a running pool with other settings is stopped."""
    global _unavailable
    with _lock:
        if _pool is not None and (_pool.size, _pool.python) != (size, python):
            _shutdown_locked()
        if (_settings["size"], _settings["python"]) != (size, python):
            _unavailable = None
        _settings.update(size=size, python=python, status_dir=status_dir)
        if _pool is not None:
            _pool.status_dir = status_dir
            _pool.publish()


def get() -> Pool | None:
    """The process's pool, started lazily; None (with a logged warning) where the pool cannot run."""
    global _pool, _unavailable
    with _lock:
        if _pool is not None:
            return _pool
        if _unavailable is None:
            problem = unavailable_reason(_settings["size"], _settings["python"])
            if problem:
                _unavailable = problem
                log.warning("The warm LibreOffice pool cannot run (%s); converting with a cold soffice per "
                            "document, which is several times slower.", problem)
                return None
            _pool = Pool(_settings["size"], python=_settings["python"], soffice=_soffice(),
                         status_dir=_settings["status_dir"])
            _pool.publish()
            return _pool
        return None


def unavailable_reason(size: int, python: str) -> str | None:
    """Why the pool cannot run here, or None when it can."""
    if size < 1:
        return "COUNTERSIGN_PDF_POOL_SIZE is 0"
    if importlib.util.find_spec("unoserver") is None:
        return "the unoserver package is not installed in the app's Python"
    if _soffice() is None:
        return "LibreOffice (soffice) is not installed or not on PATH"
    try:
        subprocess.run([python, "-c", "import uno"], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return f"{python} cannot import uno (Debian: apt-get install python3-uno, or set COUNTERSIGN_PDF_POOL_PYTHON)"
    return None


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def parallelism() -> int:
    """How many conversions this process can usefully run at once."""
    return max(1, _settings["size"]) if _unavailable is None else 1


def current() -> Pool | None:
    """The pool if one is running in this process, without starting one."""
    return _pool


def shutdown() -> None:
    """Stop the pool's LibreOffice instances (at exit, and when tests finish)."""
    with _lock:
        _shutdown_locked()


def _shutdown_locked() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown()
        _pool = None


atexit.register(shutdown)
