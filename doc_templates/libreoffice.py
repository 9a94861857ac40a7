"""LibreOffice's PDF/A export settings, and converting with a cold `soffice` of its own (where the pool cannot run)."""

from __future__ import annotations

import io
import json
import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import zipfile

# Every PDF the app keeps is PDF/A-2b: LibreOffice then embeds every font and writes the pdfaid XMP entries.
# The warm pool and the cold fallback both export with exactly these settings.
COLD_PREFIX = "countersign-pdf-"  # each cold conversion's temporary folder (swept by pool.sweep_stale)

PDF_EXPORT_FILTER = "writer_pdf_Export"
PDF_EXPORT_OPTIONS = {"SelectPdfVersion": 2}


def cold_convert_to() -> str:
    """The `soffice --convert-to` argument for PDF/A-2b."""
    options = {name: {"type": "long", "value": str(value)} for name, value in PDF_EXPORT_OPTIONS.items()}
    return f"pdf:{PDF_EXPORT_FILTER}:{json.dumps(options, separators=(',', ':'))}"


def warm_filter_options() -> list[str]:
    """The same export options in unoserver's "Name=Value" form (digits become UNO longs)."""
    return [f"{name}={value}" for name, value in PDF_EXPORT_OPTIONS.items()]


class ConversionError(Exception):
    """The document could not be converted to PDF; the message says what to check."""


def cold_docx_to_pdf(docx: bytes, *, timeout: float = 120, checked: bool = False) -> bytes:
    """Convert a Word document to PDF/A-2b with a headless LibreOffice of its own (slow: a start per document)."""
    if not checked:
        check_is_docx(docx)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ConversionError(
            "LibreOffice is not installed or not on PATH (looked for 'soffice' and "
            "'libreoffice'); install it (Debian: apt-get install libreoffice-writer) "
            "or fix PATH for the app's user."
        )
    with tempfile.TemporaryDirectory(prefix=COLD_PREFIX) as tmp:
        tmp_dir = pathlib.Path(tmp)
        source = tmp_dir / "work" / "document.docx"
        out_dir = tmp_dir / "out"
        source.parent.mkdir()
        out_dir.mkdir()
        source.write_bytes(docx)
        # A profile per call: two LibreOffices sharing one profile block or break each other.
        command = [
            soffice,
            f"-env:UserInstallation={(tmp_dir / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--nologo",
            "--infilter=MS Word 2007 XML",
            "--convert-to",
            cold_convert_to(),
            "--outdir",
            str(out_dir),
            str(source),
        ]
        env = {**os.environ, "HOME": str(tmp_dir)}
        output = _run(command, env=env, cwd=tmp_dir, timeout=timeout)
        pdf_path = out_dir / "document.pdf"
        if not pdf_path.exists():
            raise ConversionError(
                "LibreOffice finished without writing a PDF; check that the .docx opens in "
                f"Word or LibreOffice and that the fonts are installed. LibreOffice said: {output}"
            )
        pdf = pdf_path.read_bytes()
    if not pdf.startswith(b"%PDF-"):
        raise ConversionError(
            "LibreOffice wrote a file that is not a PDF; check the LibreOffice installation "
            f"(soffice --version). LibreOffice said: {output}"
        )
    return pdf


def check_is_docx(docx: bytes) -> None:
    """Refuse bytes that are not a Word .docx package."""
    # Without this, LibreOffice happily "converts" any bytes as plain text.
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as package:
            names = set(package.namelist())
    except zipfile.BadZipFile:
        names = set()
    if "word/document.xml" not in names:
        raise ConversionError(
            "The bytes given for conversion are not a Word .docx document (no word/document.xml "
            "inside a ZIP package); check what rendered or stored them."
        )


def _run(command: list[str], *, env: dict, cwd: pathlib.Path, timeout: float) -> str:
    # Its own session, so a timeout can kill soffice.bin and any helper it started, not just
    # the wrapper script.
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    except OSError as exc:
        raise ConversionError(
            f"Could not start LibreOffice ({command[0]}): {exc}; check it is installed and "
            "executable by the app's user."
        ) from exc
    try:
        stdout, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        raise ConversionError(
            f"LibreOffice took longer than {timeout:g} seconds to convert the document and was "
            "stopped; check the server's load and whether the document is unusually large."
        ) from None
    except BaseException:
        _kill_group(process)
        process.communicate()
        raise
    finally:
        # A helper left behind would hold the temporary profile open.
        _kill_group(process)
    output = stdout.decode("utf-8", "replace").strip() or "(nothing)"
    if process.returncode != 0:
        raise ConversionError(
            f"LibreOffice exited with status {process.returncode}; check the LibreOffice "
            f"installation and the server's free disk space. LibreOffice said: {output}"
        )
    return output


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
