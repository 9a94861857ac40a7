"""The app run as an operator runs it, in processes of its own that a test can `kill -9`."""

from __future__ import annotations

import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppProcesses:
    """`flask serve --no-worker` and `flask worker` on the test's database, files and seal."""

    def __init__(self, app_config: dict, folder: pathlib.Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.temp = folder / "tmp"
        self.temp.mkdir(parents=True, exist_ok=True)
        self.logs = folder
        settings = {**app_config, "WTF_CSRF_ENABLED": "false", "PDF_POOL_SIZE": "1", "SEND_DAILY_REMINDERS": "false",
                    "DISPOSITION_SWEEP": "false"}
        settings.pop("TESTING", None)
        self.env = {**os.environ, "TMPDIR": str(self.temp),
                    **{f"COUNTERSIGN_{key}": str(value) for key, value in settings.items()}}
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.killed: list[int] = []

    def _start(self, *args: str, log: str) -> subprocess.Popen:
        out = open(self.logs / log, "ab")  # noqa: SIM115 - kept open for the life of the process
        try:
            return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=self.env,
                                    stdout=out, stderr=subprocess.STDOUT)
        finally:
            out.close()

    def start_web(self) -> None:
        self.web = self._start("serve", "--no-worker", "--port", str(self.port), log="web.log")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/static/countersign.css", timeout=2)
                return
            except requests.ConnectionError:
                assert self.web.poll() is None, (self.logs / "web.log").read_text()
                time.sleep(0.2)
        raise AssertionError("the web process did not answer within a minute")

    def start_worker(self) -> None:
        self.worker = self._start("worker", log="worker.log")

    def kill(self, process: subprocess.Popen) -> None:
        """kill -9: no atexit, no clean-up of its own."""
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        self.killed.append(process.pid)

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def leftover_libreoffice(self) -> list[str]:
        """LibreOffice processes still running from the pool folders of the processes killed."""
        found = []
        for proc in pathlib.Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if any(f"countersign-lo-pool-{pid}-" in command for pid in self.killed):
                found.append(f"{proc.name}: {command[:120]}")
        return found
