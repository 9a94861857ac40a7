"""Template versions: which version a new document is made from, and an admin uploading a new one."""

from __future__ import annotations

import dataclasses
import io
import pathlib
import zipfile

from flask import current_app
from jinja2 import TemplateError
from sqlalchemy import func, select

from doc_templates import TemplateSchema, get_schema, render_docx, schemas, template_variables
from doc_templates.group_fields import SAMPLE_ATTENDANCE
from doc_templates.libreoffice import ConversionError
from doc_templates.pdf import docx_to_pdf
from storage import audit
from storage.blobs import BlobMissing, blobs
from storage.db import session as db
from storage.models import Staff, TemplateVersion
from workflows.access import can_administer_templates, user_of
from workflows.errors import InvalidInput, NotAllowed

SHIPPED_VERSION = 1
MACRO_CONTENT_TYPE = "macroenabled"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


class TemplateRefused(InvalidInput):
    """An uploaded template cannot be used; `problems` lists each thing wrong with it."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        # Each problem is about the file as a whole, not about one field of the form it was uploaded with.
        super().__init__({**{f"problem {n}": problem for n, problem in enumerate(problems, start=1)},
                          "template": "This template cannot be used. Correct the template and upload it again."})


@dataclasses.dataclass(frozen=True)
class VersionInfo:
    """One version of a template, as the admin page lists it."""

    version: int
    filename: str
    uploaded_by: str
    uploaded_at: object | None
    sha256: str | None


def current_version(template_key: str) -> int:
    """The version new documents are made from: the newest upload, or the shipped file."""
    newest = db.scalar(select(func.max(TemplateVersion.version)).where(TemplateVersion.template_key == template_key))
    return newest or SHIPPED_VERSION


def template_source(schema: TemplateSchema, version: int) -> pathlib.Path | bytes:
    """The .docx a document made from `version` renders from, so an upload never changes older documents."""
    if version == SHIPPED_VERSION:
        return schema.docx_path
    row = db.scalars(select(TemplateVersion).where(TemplateVersion.template_key == schema.key,
                                                   TemplateVersion.version == version)).one()
    return blobs().get(row.sha256)


def versions(template_key: str) -> list[VersionInfo]:
    """Every version of a template, newest first."""
    schema = get_schema(template_key)
    rows = db.scalars(select(TemplateVersion).where(TemplateVersion.template_key == template_key)
                      .order_by(TemplateVersion.version.desc())).all()
    shipped = VersionInfo(SHIPPED_VERSION, schema.docx_path.name, "Shipped with Countersign", None, None)
    return [VersionInfo(r.version, r.filename, r.uploaded_by.name, r.uploaded_at, r.sha256) for r in rows] + [shipped]


def pack_schemas(template_pack: str) -> list[TemplateSchema]:
    """The templates of one organisation's pack."""
    return [schema for schema in schemas() if schema.pack == template_pack]


def schema_in(template_pack: str, template_key: str) -> TemplateSchema:
    """One template of an organisation's pack; NotAllowed for any other, as for one that does not exist."""
    schema = next((s for s in pack_schemas(template_pack) if s.key == template_key), None)
    if schema is None:
        raise NotAllowed()
    return schema


def check_upload(schema: TemplateSchema, filename: str, data: bytes) -> list[str]:
    """Everything wrong with an uploaded template, in words an admin can act on; empty if it can be used."""
    max_bytes = int(current_app.config["TEMPLATE_MAX_BYTES"])
    max_unzipped = int(current_app.config["TEMPLATE_MAX_UNZIPPED_BYTES"])
    problems = []
    name = filename.lower()
    if not data:
        return ["The file is empty. Choose the .docx file of the new template."]
    if name.endswith((".docm", ".dotm")):
        problems.append("The file is a macro-enabled Word file (.docm). Save it in Word as “Word Document (.docx)”, "
                        "which removes macros, and upload that.")
    elif not name.endswith(".docx"):
        problems.append("The file name must end in .docx. Save the template in Word as “Word Document (.docx)”.")
    if len(data) > max_bytes:
        problems.append(f"The file is {_size(len(data))}; a template must be {_size(max_bytes)} or smaller. "
                        "Remove large pictures from it.")
        return problems
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return [*problems, "The file is not a Word document (.docx): it could not be opened as one. Open it in Word "
                           "and save it as “Word Document (.docx)”."]
    names = {m.filename for m in members}
    # The sizes in the ZIP directory are checked before anything is unpacked, so a ZIP bomb is never expanded.
    unzipped = sum(m.file_size for m in members)
    if unzipped > max_unzipped:
        problems.append(f"The file unpacks to {_size(unzipped)}, more than the {_size(max_unzipped)} a template may "
                        "hold. It may be damaged or a ZIP bomb; save the template again from Word.")
        return problems
    if "word/document.xml" not in names:
        problems.append("The file is not a Word document: it has no word/document.xml. Save it from Word as "
                        "“Word Document (.docx)”.")
        return problems
    content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace") if "[Content_Types].xml" in names else ""
    macros = any(n.lower().endswith("vbaproject.bin") for n in names) or MACRO_CONTENT_TYPE in content_types.lower()
    if macros:
        problems.append("The file contains macros (VBA), which Countersign never accepts. Save it in Word as "
                        "“Word Document (.docx)”, which removes them, and upload that.")
    if DOCX_CONTENT_TYPE not in content_types and not macros:
        problems.append("The file does not say it is a Word document (its content types are missing or wrong). "
                        "Save it from Word as “Word Document (.docx)”.")
    if problems:
        return problems
    try:
        found = template_variables(data)
    except (TemplateError, KeyError, ValueError, zipfile.BadZipFile) as error:
        return [f"A {{{{ placeholder }}}} or {{% tag %}} in the template is written wrongly ({error}). Correct it "
                "and upload again."]
    unknown = sorted(found - schema.variables)
    missing = sorted(schema.variables - found)
    if unknown:
        problems.append("The template uses placeholders this template’s fields do not have: "
                        + ", ".join(_placeholder(n) for n in unknown) + ". Correct their spelling or remove them.")
    if missing:
        problems.append("The template leaves out placeholders it must print: "
                        + ", ".join(_placeholder(n) for n in missing) + ". Add them where the value should appear.")
    if not problems:
        problems += _trial_render(schema, data)
    return problems


def _sample_context(schema: TemplateSchema) -> dict:
    """The template's fields filled in with sample values, as the trial render and the preview use them."""
    samples = {"text": "Sample", "textarea": "Sample", "date": "2027-01-04"}
    values = {f.name: [] if f.is_rows else (f.min_value or 1) if f.kind == "int"
              else f.choices[0][0] if f.kind == "choice" else samples[f.kind] for f in schema.fields}
    system = dict.fromkeys(schema.system_fields, "Sample")
    if "attendance" in system:  # a group record's table of who attended, one row per person
        system["attendance"] = SAMPLE_ATTENDANCE
    return schema.context(values, system)


def _trial_render(schema: TemplateSchema, data: bytes) -> list[str]:
    """Fill the template with sample values, so one that breaks when used is refused now, not at signing time."""
    try:
        render_docx(data, _sample_context(schema))
    except Exception as error:  # anything the template's own code raises is a fault in the upload
        return [f"The template could not be filled in with sample values ({error}). Check its {{% tags %}} and "
                "{{ placeholders }}, then upload it again."]
    return []


@dataclasses.dataclass(frozen=True)
class Candidate:
    """An uploaded template that passed its checks, kept to be previewed; nothing uses it until it is published."""

    template_key: str
    filename: str
    sha256: str


def _administered(template_key: str, actor: audit.Actor) -> tuple[TemplateSchema, Staff]:
    admin = user_of(actor)
    try:
        schema = get_schema(template_key)
    except KeyError:
        raise NotAllowed() from None
    if admin is None or not can_administer_templates(admin, schema.pack):
        raise NotAllowed()
    return schema, admin


def check_candidate(template_key: str, filename: str, data: bytes, actor: audit.Actor) -> Candidate:
    """Check an uploaded .docx and keep its file for the admin to preview; nothing is in use until published."""
    schema, _ = _administered(template_key, actor)
    filename = pathlib.PurePath(filename or "").name[:255]
    problems = check_upload(schema, filename, data)
    if problems:
        raise TemplateRefused(problems)
    return Candidate(template_key, filename, blobs().put(data))


def preview_pdf(candidate: Candidate, actor: audit.Actor) -> bytes:
    """The candidate filled in with sample values, as the PDF a document made from it would look."""
    schema, _ = _administered(candidate.template_key, actor)
    try:
        return docx_to_pdf(render_docx(blobs().get(candidate.sha256), _sample_context(schema)))
    except BlobMissing:
        raise InvalidInput({"template": "The uploaded file is no longer kept. Upload it again."}) from None
    except ConversionError:
        raise InvalidInput({"template": "The preview could not be made just now. Try again in a minute."}) from None


def publish_version(candidate: Candidate, actor: audit.Actor) -> TemplateVersion:
    """Make a previewed candidate the template's next version, used for new documents from now on."""
    try:
        data = blobs().get(candidate.sha256)
    except BlobMissing:
        raise InvalidInput({"template": "The uploaded file is no longer kept. Upload it again."}) from None
    return upload_version(candidate.template_key, candidate.filename, data, actor)


def upload_version(template_key: str, filename: str, data: bytes, actor: audit.Actor) -> TemplateVersion:
    """Check an uploaded .docx and, if it is sound, store it as the template's next version."""
    schema, admin = _administered(template_key, actor)
    filename = pathlib.PurePath(filename or "").name[:255]
    problems = check_upload(schema, filename, data)
    if problems:
        db.rollback()
        raise TemplateRefused(problems)
    # The (template, version) unique constraint refuses a second upload racing for the same number.
    version = current_version(template_key) + 1
    sha256 = blobs().put(data)
    row = TemplateVersion(template_key=template_key, version=version, sha256=sha256, filename=filename,
                          uploaded_by_id=admin.id)
    db.add(row)
    audit.record(db, "template_uploaded", actor, None, template=template_key, version=version, sha256=sha256,
                 filename=filename, bytes=len(data))
    db.commit()
    return row


def restore_version(template_key: str, version: int, actor: audit.Actor) -> TemplateVersion:
    """Use an earlier version again: stored as the next version, so the history of what was used when stays whole."""
    schema, admin = _administered(template_key, actor)
    current = current_version(template_key)
    earlier = next((v for v in versions(template_key) if v.version == version), None)
    if earlier is None:
        raise NotAllowed()
    if version == current:
        raise InvalidInput({"version": f"Version {version} is already the one in use"})
    data = schema.docx_path.read_bytes() if version == SHIPPED_VERSION else blobs().get(earlier.sha256)
    sha256 = blobs().put(data)
    row = TemplateVersion(template_key=template_key, version=current + 1, sha256=sha256,
                          filename=earlier.filename[:255], uploaded_by_id=admin.id)
    db.add(row)
    audit.record(db, "template_restored", actor, None, template=template_key, version=current + 1,
                 restored_version=version, sha256=sha256)
    db.commit()
    return row


def _placeholder(name: str) -> str:
    return "{{ " + name + " }}"


def _size(count: int) -> str:
    if count >= 1_048_576:
        return f"{count / 1_048_576:.0f} MB"
    return f"{max(1, round(count / 1024))} KB"
