"""The migration that lists each document's files finds every file it had, earlier versions included."""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import command

from storage import db as database


def _sha(n: int) -> str:
    return f"{n:064x}"


def test_each_document_lists_every_file_it_had_and_is_kept(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = database.alembic_config(url)
    command.upgrade(config, "i4pdf")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        run = connection.exec_driver_sql
        run("INSERT INTO organisations (id, name, template_pack, created_at) VALUES (1, 'H', 'havering', '2026-01-01')")
        run("INSERT INTO staff (id, organisation_id, name, email, profession, staff_category, part_time, "
            "appointed_from_overseas, created_at) VALUES (1, 1, 'S', 's@x.example', '', '', 0, 0, '2026-01-01'), "
            "(2, 1, 'J', 'j@x.example', '', '', 0, 0, '2026-01-01')")
        # A document declined at version 1 and amended, then locked at version 2 with one annotation sealed in.
        run("INSERT INTO documents (id, organisation_id, kind, template_key, template_version, supervisor_id, "
            "supervisee_id, created_by_id, data, state, content_version, docx_sha256, pdf_sha256, final_docx_sha256, "
            f"final_pdf_sha256, created_at) VALUES (1, 1, 'agreement', 'havering/supervision-agreement', 1, 1, 2, 1, "
            f"'{{}}', 'LOCKED', 2, '{_sha(3)}', '{_sha(4)}', '{_sha(5)}', '{_sha(6)}', '2026-01-01')")
        events = [("rendered", {"file": "Word", "sha256": _sha(1)}), ("rendered", {"file": "PDF", "sha256": _sha(2)}),
                  ("amended", {"from_version": 1, "old_pdf_sha256": _sha(2)}),
                  ("rendered", {"file": "Word", "sha256": _sha(3)}), ("rendered", {"file": "PDF", "sha256": _sha(4)}),
                  ("locked", {"final_docx_sha256": _sha(5)}), ("sealed", {"sha256": _sha(6)})]
        for n, (event, detail) in enumerate(events, start=1):
            run("INSERT INTO audit_events (id, at, event, document_id, detail, prev_hash, hash) "
                "VALUES (?, '2026-01-02', ?, 1, ?, '', '')", (n, event, json.dumps(detail)))
        run("INSERT INTO signing_links (id, document_id, content_version, party, purpose, staff_id, email, nonce_hash, "
            "created_at, expires_at) VALUES (1, 1, 2, 'SUPERVISEE', 'sign', 2, 'j@x.example', 'n', '2026-01-02', "
            "'2026-02-01')")
        run("INSERT INTO signatures (id, document_id, content_version, party, staff_id, typed_name, email, link_id, "
            f"signed_at, ip_address, user_agent, reviewed_sha256, consent_text) VALUES (1, 1, 2, 'SUPERVISEE', 2, 'J', "
            f"'j@x.example', 1, '2026-01-03', '', '', '{_sha(4)}', 'yes')")
        run("INSERT INTO annotations (id, document_id, content_version, kind, author_id, author_role, author_name, "
            "text, on_locked_document, created_at) VALUES (1, 1, 2, 'NOTE', 2, 'supervisee', 'J', 'later', 1, "
            "'2026-01-04')")
        run("INSERT INTO annotated_copies (id, document_id, annotation_id, sequence, field_name, stamped, "
            f"previous_sha256, pdf_sha256, created_at) VALUES (1, 1, 1, 1, 'A1', 1, '{_sha(6)}', '{_sha(7)}', "
            "'2026-01-04')")
    command.upgrade(config, "head")
    with engine.connect() as connection:
        files = connection.exec_driver_sql(
            "SELECT kind, sha256, content_version FROM document_files WHERE document_id = 1").all()
        status = connection.exec_driver_sql("SELECT retention_status FROM documents WHERE id = 1").scalar_one()
    engine.dispose()
    assert {(kind, int(sha, 16), version) for kind, sha, version in files} == {
        ("word", 1, 1), ("pdf", 2, 1),  # the declined version's files, named until now only in the audit log
        ("word", 3, 2), ("pdf", 4, 2), ("signed-word", 5, 2), ("signed-pdf", 6, 2), ("annotated-pdf", 7, 2)}
    assert status == "kept"
