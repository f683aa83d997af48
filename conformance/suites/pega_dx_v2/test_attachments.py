"""Attachments: upload, attach, list, download, delete (seed 001; seed 000 for
attachments in the create body; VF for status codes, `mode`, categories)."""

from __future__ import annotations

import base64
import email.message
import hashlib
import os
import re
from urllib.parse import unquote

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, rule, run_state_machine_as_test
from hypothesis import settings

from conformance.checks import status_in, violate
from conformance.checks.pega import error_body_v2
from conformance.suites.pega_dx_v2.client import PreconditionFailed

pytestmark = [pytest.mark.needs("attachments"), pytest.mark.writes]
LIST_FIELDS = ("name", "fileName", "extension", "category", "type", "createdBy", "createTime")


def ok(ex) -> bool:
    return ex.status is not None and 200 <= ex.status < 300


def disposition_name(ex) -> str | None:
    """The file name a Content-Disposition gives; RFC 6266 4.3: filename* (RFC 8187) wins over filename."""
    value = ex.header("Content-Disposition")
    if not value:
        return None
    extended = re.search(r"filename\*\s*=\s*([\w!#$%&+^`{}~-]+)'[^']*'([^;\s]+)", value, re.I)
    if extended:
        return unquote(extended.group(2), encoding=extended.group(1) or "utf-8", errors="replace")
    msg = email.message.Message()
    msg["content-disposition"] = value
    return msg.get_filename()


@pytest.mark.requirement("PEGA-ATT-001")
def test_attachment_upload_answers_201_with_id(pega, ledger):
    ex = pega.upload([("note.txt", b"hello", "text/plain")])
    status_in(ex, {201}, "PEGA-ATT-001", "POST /attachments/upload")
    body = ex.json()
    if not isinstance(body, dict) or not isinstance(body.get("ID"), str) or not body["ID"]:
        raise violate("PEGA-ATT-001", "201 carries no ID", ex)


@pytest.mark.requirement("PEGA-ATT-002")
def test_attachment_upload_without_context_refused(pega):
    ex = pega.upload([("note.txt", b"hello", "text/plain")], context=None)
    status_in(ex, {400}, "PEGA-ATT-002", "upload without context")  # VF SW: upload errors 400 500
    error_body_v2(ex, "PEGA-ATT-002")


@pytest.mark.requirement("PEGA-ATT-003")
def test_attachment_upload_several_files_first_processed(pega):
    case_id, _ = pega.new_case()
    ex = pega.upload([("first.txt", b"FIRST FILE", "text/plain"), ("second.txt", b"SECOND", "text/plain")])
    upload = ex.json().get("ID") if ok(ex) and isinstance(ex.json(), dict) else None
    if not upload:
        raise PreconditionFailed(f"upload of two files failed: {ex.summary()}", "PEGA-ATT-001", [ex.id],
                                 operation="POST /attachments/upload", detail=f"status {ex.status}")
    att = pega.attach(case_id, [{"type": "File", "category": pega.target.fixtures.attachment_category, "ID": upload}])
    items, listing = pega.listed(case_id)
    if not ok(att) or len(items) != 1:
        raise PreconditionFailed(f"could not attach the upload: {att.summary()}", "PEGA-ATT-004", [att.id],
                                 operation="POST /cases/{caseID}/attachments", detail=f"status {att.status}")
    got = pega.download(items[0]["ID"], "stream")
    if items[0].get("fileName") != "first.txt" or got.body != b"FIRST FILE":
        raise violate("PEGA-ATT-003", f"kept {items[0].get('fileName')!r} ({got.body[:20]!r}), not the first file",
                      ex, listing, got)


@pytest.mark.requirement("PEGA-ATT-004")
def test_attachment_listed_with_fields_and_links(pega):
    case_id, _ = pega.new_case()
    item, att = pega.attach_file(case_id, "report.pdf", b"%PDF-1.4 test", "application/pdf")
    missing = [f for f in LIST_FIELDS if item.get(f) in (None, "")]
    if missing:
        raise violate("PEGA-ATT-004", f"list item lacks {', '.join(missing)}: {item}", att)
    links = item.get("links") if isinstance(item.get("links"), dict) else {}
    for rel in ("download", "delete"):
        link = links.get(rel)
        if not isinstance(link, dict) or not link.get("href"):
            raise violate("PEGA-ATT-004", f"list item has no {rel} link: {item}", att)
    if item["extension"] != "pdf":
        raise violate("PEGA-ATT-004", f"extension is {item['extension']!r}, expected 'pdf'", att)


@pytest.mark.requirement("PEGA-ATT-005")
def test_attachment_url_listed_with_type_url(pega):
    case_id, _ = pega.new_case()
    url = f"https://example.com/{pega.tag}"
    ex = pega.attach(case_id, [{"type": "URL", "category": pega.target.fixtures.url_category, "url": url,
                                "name": "example link"}])
    if not ok(ex):
        raise violate("PEGA-ATT-005", f"attaching a URL answered {ex.status}", ex)
    items, listing = pega.listed(case_id)
    ours = [i for i in items if i.get("url") == url or i.get("name") == "example link"]
    if not ours or str(ours[0].get("type", "")).upper() != "URL":
        raise violate("PEGA-ATT-005", f"the URL attachment is listed as {[i.get('type') for i in ours]}", ex, listing)


FILES = {
    "text": ("plain.txt", b"hello, attachments\n", "text/plain"),
    "non-ascii-name": ("données-été ✓.pdf", b"%PDF-1.7 " + bytes(range(256)), "application/pdf"),
    "empty": ("empty.bin", b"", "application/octet-stream"),
    "one-mib": ("big.bin", os.urandom(1024 * 1024), "application/octet-stream"),
}


@pytest.mark.requirement("PEGA-ATT-006")
@pytest.mark.parametrize("kind", sorted(FILES))
def test_attachment_download_returns_uploaded_bytes(pega, kind):
    name, content, ctype = FILES[kind]
    case_id, _ = pega.new_case()
    item, _ = pega.attach_file(case_id, name, content, ctype)
    if item.get("fileName") != name or item.get("extension") != name.rsplit(".", 1)[-1]:
        raise violate("PEGA-ATT-006", f"listed as {item.get('fileName')!r}/{item.get('extension')!r}, uploaded "
                      f"as {name!r}")
    text = pega.download(item["ID"], "string")  # VF: base64 text
    try:
        decoded = base64.b64decode("".join(text.body.decode("ascii").split()), validate=True)
    except (ValueError, UnicodeDecodeError):
        decoded = None
    if text.status != 200 or decoded != content:
        raise violate("PEGA-ATT-006", f"mode=string did not return the file as base64 (sha256 "
                      f"{hashlib.sha256(content).hexdigest()[:12]} uploaded)", text)
    raw = pega.download(item["ID"], "stream")
    if raw.status != 200 or raw.body != content:
        raise violate("PEGA-ATT-006", f"mode=stream returned {len(raw.body)} bytes, not the {len(content)} uploaded "
                      "(checksum differs)", raw)
    if not (raw.header("Content-Type") or "").startswith(ctype):
        raise violate("PEGA-ATT-006", f"content type {raw.header('Content-Type')!r}, uploaded as {ctype!r}", raw)
    shown = disposition_name(raw)
    if shown is not None and shown != name:
        raise violate("PEGA-ATT-006", f"Content-Disposition names {shown!r}, uploaded as {name!r}", raw)


@pytest.mark.requirement("PEGA-ATT-007")
def test_attachment_delete_then_gone(pega):
    case_id, _ = pega.new_case()
    item, _ = pega.attach_file(case_id, "delete-me.txt", b"bye", "text/plain")
    ex = pega.delete_attachment(item["ID"])
    status_in(ex, {200}, "PEGA-ATT-007", "DELETE /attachments/{ID}")
    if ex.body.strip():
        raise violate("PEGA-ATT-007", f"DELETE answered a body of {len(ex.body)} bytes; seed 001: empty", ex)
    after = pega.download(item["ID"])
    status_in(after, {404}, "PEGA-ATT-007", "GET of a deleted attachment")
    items, listing = pega.listed(case_id)
    if any(i.get("ID") == item["ID"] for i in items):
        raise violate("PEGA-ATT-007", "the deleted attachment is still listed", ex, listing)
    again = pega.delete_attachment(item["ID"])
    status_in(again, {404}, "PEGA-ATT-007", "second DELETE")


@pytest.mark.requirement("PEGA-ATT-008")
def test_attachment_into_forbidden_category_answers_403(pega, observe):
    case_id, _ = pega.new_case()
    cats = pega.categories(case_id, "File")
    items = (cats.json() or {}).get("attachment_categories") if isinstance(cats.json(), dict) else None
    denied = [c for c in items or [] if isinstance(c, dict) and str(c.get("canCreate")).lower() == "false"]
    if not denied:
        pytest.skip("the server offers no File category the operator may not create in")
    upload = pega.upload_id("secret.pdf", b"%PDF no access", "application/pdf")
    ex = pega.attach(case_id, [{"type": "File", "category": denied[0]["ID"], "ID": upload}])
    observe("PEGA-ATT-008", "denied_category", denied[0]["ID"])
    if ok(ex):
        pega.listed(case_id)  # track what was wrongly created, for cleanup
    status_in(ex, {403}, "PEGA-ATT-008", f"attaching into category {denied[0]['ID']} (canCreate false)")
    error_body_v2(ex, "PEGA-ATT-008")


@pytest.mark.requirement("PEGA-ATT-009")
def test_attachment_list_shows_only_its_case(pega):
    a, _ = pega.new_case()
    b, _ = pega.new_case()
    item, _ = pega.attach_file(a, "only-a.txt", b"A", "text/plain")
    items, listing = pega.listed(b)
    leaked = [i for i in items if i.get("ID") == item["ID"] or i.get("fileName") == "only-a.txt"]
    if leaked:
        raise violate("PEGA-ATT-009", f"case {b} lists {len(leaked)} attachment(s) of case {a}", listing)


@pytest.mark.requirement("PEGA-ATT-010")
@pytest.mark.parametrize("form", ["uploaded-id", "inline-base64"])
def test_case_create_with_attachments_lands_them(pega, form):
    name = f"with-create-{form}.txt"
    if form == "uploaded-id":  # seed 001: attach by the upload's ID on POST /cases
        item = {"type": "File", "category": pega.target.fixtures.attachment_category,
                "ID": pega.upload_id(name, b"created with the case", "text/plain")}
    else:  # seed 000: {fileName, fileContent (base64), mimeType}
        item = {"fileName": name, "fileContent": base64.b64encode(b"created with the case").decode(),
                "mimeType": "text/plain"}
    ex = pega.create_case(body={"caseTypeID": pega.target.fixtures.case_type_id,
                                "content": {pega.field: pega.label("with-attachments")}, "attachments": [item]})
    if not ok(ex) or not isinstance(ex.json(), dict) or not ex.json().get("ID"):
        raise violate("PEGA-ATT-010", f"POST /cases with attachments answered {ex.status}", ex)
    items, listing = pega.listed(ex.json()["ID"])
    if not any(i.get("fileName") == name for i in items):
        raise violate("PEGA-ATT-010", f"the new case lists {[i.get('fileName') for i in items]}, not {name!r}",
                      ex, listing)


FLAGS = ("canCreate", "canView", "canEdit", "canDeleteOwn", "canDeleteAll")


@pytest.mark.requirement("PEGA-ATT-011")
def test_attachment_categories_carry_flags_and_filter_by_type(pega, observe):
    case_id, _ = pega.new_case()
    lists = {}
    for kind in ("File", "URL"):
        ex = pega.categories(case_id, kind)
        status_in(ex, {200}, "PEGA-ATT-011", f"GET attachment_categories?type={kind}")
        cats = ex.json().get("attachment_categories") if isinstance(ex.json(), dict) else None
        if not isinstance(cats, list) or not cats:
            raise violate("PEGA-ATT-011", f"no attachment_categories for type {kind}", ex)
        for cat in cats:
            bad = [f for f in FLAGS if str(cat.get(f)).lower() not in ("true", "false")] if isinstance(cat, dict) \
                else list(FLAGS)
            if bad or not cat.get("ID"):
                raise violate("PEGA-ATT-011", f"category {cat} lacks ID or flags {', '.join(bad)}", ex)
        observe("PEGA-ATT-011", "flag_type", sorted({type(c[f]).__name__ for c in cats for f in FLAGS}))
        lists[kind] = ({c["ID"] for c in cats}, ex)
    files, urls = lists["File"][0], lists["URL"][0]
    f = pega.target.fixtures
    if f.attachment_category not in files or f.url_category not in urls or f.url_category in files:
        raise violate("PEGA-ATT-011", f"type filter: File gave {sorted(files)}, URL gave {sorted(urls)}",
                      lists["File"][1], lists["URL"][1])


SIZES = {"0-B": 0, "1-B": 1, "1-MiB": 1024 * 1024, "limit-minus-1": -1, "limit-plus-1": +1}


@pytest.mark.requirement("PEGA-ATT-012")
@pytest.mark.parametrize("label", list(SIZES))
def test_attachment_upload_size_matrix(pega, label):
    limit = pega.target.fixtures.upload_limit_bytes
    size = SIZES[label]
    if label.startswith("limit"):
        if limit is None:
            pytest.skip("fixtures.upload_limit_bytes not declared")
        size = limit + size
    ex = pega.upload([(f"size-{label}.bin", b"\x5a" * size, "application/octet-stream")])
    if limit is not None and size > limit:
        if ex.status is None or not 400 <= ex.status < 500:
            raise violate("PEGA-ATT-012", f"{size} bytes (limit {limit}) answered {ex.status}, expected a 4xx", ex)
        error_body_v2(ex, "PEGA-ATT-012")
    elif ex.status != 201:
        raise violate("PEGA-ATT-012", f"{size} bytes (within the limit) answered {ex.status}", ex)


class AttachmentLifecycle(RuleBasedStateMachine):
    """upload+attach, list, download, delete, absent: checked against a model (id -> bytes)."""

    pega = None
    attached = Bundle("attached")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, bytes] = {}
        self.case_id = self.pega.new_case()[0]  # a fresh case per example: the model starts empty

    @rule(target=attached, content=st.binary(max_size=2048), stem=st.text("abcdef", min_size=1, max_size=6))
    def add(self, content, stem):
        name = f"{stem}-{len(self.model)}-{os.urandom(3).hex()}.bin"
        item, _ = self.pega.attach_file(self.case_id, name, content)
        self.model[item["ID"]] = content
        return item["ID"]

    @rule()
    def list_shows_model(self):
        # what must be listed; that nothing else is (another case's files) is PEGA-ATT-009's test
        items, ex = self.pega.listed(self.case_id)
        missing = set(self.model) - {i.get("ID") for i in items}
        if missing:
            raise violate("PEGA-ATT-004", f"{len(missing)} attached file(s) missing from the list", ex)

    @rule(att=attached)
    def download(self, att):
        if att not in self.model:
            return
        ex = self.pega.download(att, "stream")
        if ex.status != 200 or ex.body != self.model[att]:
            raise violate("PEGA-ATT-006", "download differs from the uploaded bytes", ex)

    @rule(att=consumes(attached))
    def delete(self, att):
        ex = self.pega.delete_attachment(att)
        if ex.status != 200:
            raise violate("PEGA-ATT-007", f"DELETE answered {ex.status}", ex)
        del self.model[att]
        gone = self.pega.download(att)
        if gone.status != 404:
            raise violate("PEGA-ATT-007", f"GET after DELETE answered {gone.status}", ex, gone)


@pytest.mark.requirement("PEGA-ATT-004", "PEGA-ATT-006", "PEGA-ATT-007")
def test_attachment_lifecycle_matches_model(pega):
    AttachmentLifecycle.pega = pega
    run_state_machine_as_test(AttachmentLifecycle, settings=settings(max_examples=max(2, settings().max_examples // 4)))
