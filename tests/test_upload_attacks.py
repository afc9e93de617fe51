"""Attacks on every upload a user can make, the client import first.

Each attack is refused with a message in the user's language (the firms here work in
zh-CN) and changes nothing: no StoredFile row, no file on disk, no client company.
Bodies are sent as raw multipart so a file name reaches the server exactly as an
attacker would send it (NUL, newlines, backslashes included).
"""

import csv
import io
import re
import time
import tracemalloc
import zipfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import func, select

from tenants import db, tenant_context
from yk_saas.clients import importing
from yk_saas.clients.models import ClientCompany
from yk_saas.csv_export import safe_cell
from yk_saas.files import services as files
from yk_saas.files.models import StoredFile

MB = files.MB
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
PDF = b"%PDF-1.4\n%upload attack test\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"
    + b"\x00" * 54
    + b"This program cannot be run in DOS mode."
)
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script></svg>"
)
GOOD_CSV = b"name,tags\nUpload Attack Preview Ltd,upl\n"
IMPORT = "/desk/admin/clients/import"
WORK_TITLES = ("Upload attack item", "Served attachment")
TYPE_REFUSED = "不接受此类型的文件。允许的类型：%s。"
TOO_LARGE = "文件超过 %d MB。"


# --- helpers --------------------------------------------------------------------------------


def zh(app, message, **values):
    """``message`` as a zh-CN user reads it in a page (translated where translated, escaped)."""
    with app.test_request_context(), force_locale("zh_CN"):
        return str(escape(gettext(message, **values)))


def disk(app):
    """Every file under the storage root's parent, so a write outside the root shows too."""
    top = Path(app.config["STORAGE_DIR"]).parent
    return {p.relative_to(top).as_posix(): p.stat().st_size for p in top.rglob("*") if p.is_file()}


def count(app, model, *where, slug="alpha"):
    with app.app_context(), tenant_context(slug):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@contextmanager
def changes_nothing(app, *models):
    """No file appears or disappears on disk, and no row is added to StoredFile or ``models``."""
    models = (StoredFile, ClientCompany, *models)
    before = disk(app), [count(app, m) for m in models]
    yield
    after = disk(app), [count(app, m) for m in models]
    assert after[0] == before[0], set(after[0]) ^ set(before[0])
    assert after[1] == before[1]


def multipart(fields=None, uploads=()):
    """A raw multipart body; names go in RFC 2231 form, so every character arrives as sent."""
    boundary = "yk-upload-attack-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in (fields or {}).items()
    ]
    for field, name, data in uploads:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f"filename*=UTF-8''{quote(name, safe='')}\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post_files(client, path, fields=None, uploads=()):
    body, content_type = multipart(fields, uploads)
    return client.post(path, data=body, content_type=content_type)


def import_file(client, data, name="clients.csv"):
    return post_files(client, IMPORT, uploads=[("file", name, data)])


def refused(response, message, status=422):
    body = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, body[:300])
    assert message in body, (
        message,
        re.findall(r'role="alert">([^<]*)|class="error[^"]*">([^<]*)', body),
    )
    assert "Traceback" not in body and 'id="commit-import"' not in body
    return body


def pending_key(response):
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:500]
    return re.search(r'/desk/admin/clients/import/([\w-]+)"', body).group(1)


@contextmanager
def within_memory(max_mb):
    """Fails unless the block stayed within the Python heap budget: a refused bomb is never
    unpacked (no wall-clock budget: a loaded machine must not fail the test)."""
    tracemalloc.start()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < max_mb * MB, f"peak {peak / MB:.0f} MB"


# --- XLSX building blocks -------------------------------------------------------------------

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
    b'"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
    b'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxml'
    b'formats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships"><sheets><sheet name="clients" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
WORKSHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def row(n, *values, first_column="A"):
    cells = b"".join(
        f'<c r="{chr(ord(first_column) + i)}{n}" t="inlineStr"><is><t>{v}</t></is></c>'.encode()
        for i, v in enumerate(values)
    )
    return f'<row r="{n}">'.encode() + cells + b"</row>"


def sheet(body, head=b"", prologue=XML_DECLARATION):
    return prologue + WORKSHEET + head + b"<sheetData>" + body + b"</sheetData></worksheet>"


def xlsx(sheet_xml=None, extra=(), level=6):
    """A hand-made workbook: ``extra`` is (name, bytes) members added after the usual parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as book:
        for name, data in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ):
            book.writestr(name, data)
        book.writestr(
            "xl/worksheets/sheet1.xml",
            sheet_xml if sheet_xml is not None else sheet(row(1, "name") + row(2, "Sheet Co")),
        )
        for name, data in extra:
            book.writestr(name, data)
    return out.getvalue()


def padded_xlsx(megabytes, filler=b" "):
    """A valid-looking workbook whose sheet XML is padded to ``megabytes`` MB, streamed, not held."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        for name, data in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ):
            book.writestr(name, data)
        with book.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(
                XML_DECLARATION + WORKSHEET + b"<sheetData>" + row(1, "name") + row(2, "Bomb Co")
            )
            chunk = filler * MB
            for _ in range(megabytes):
                part.write(chunk)
            part.write(b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb():
    """300 MB of sheet XML in well under 1 MB of upload."""
    data = padded_xlsx(300)
    assert len(data) < MB
    return data


@pytest.fixture
def signed_in(signed_in):
    """Signed in and reading Chinese, whatever language an earlier test left the person in."""

    def sign_in(firm_info, who):
        client = signed_in(firm_info, who)
        client.post("/lang", {"locale": "zh_CN", "next": "/"})
        return client

    return sign_in


@pytest.fixture
def admin(firm_a, signed_in):
    return signed_in(firm_a, "admin")


@pytest.fixture(scope="module", autouse=True)
def firm_left_as_found(app, firm_a):
    """Later tests find languages, the accountant's card and the work pool as they were."""
    from sqlalchemy import update

    from yk_saas.accounts.models import User
    from yk_saas.accounts.services import find_user_by_email
    from yk_saas.clients.models import StaffProfile
    from yk_saas.work.models import WorkItem

    def profile():
        return db.session.get(StaffProfile, find_user_by_email(firm_a["accountant"]).id)

    with app.app_context(), tenant_context("alpha"):
        locales = dict(db.session.execute(select(User.id, User.locale)).all())
        before = profile()
        card = before and (before.title, before.wechat)
    yield
    with app.app_context(), tenant_context("alpha"):
        for user in db.session.scalars(select(User).where(User.id.in_(locales))):
            user.locale = locales[user.id]
        after = profile()
        if card is None and after is not None:
            db.session.delete(after)
        elif card:
            after.title, after.wechat = card
        db.session.execute(
            update(WorkItem).where(WorkItem.title.in_(WORK_TITLES)).values(state="cancelled")
        )
        db.session.commit()


# --- 1. zip bombs and other hostile XLSX ---------------------------------------------------


def test_a_zip_bomb_xlsx_is_refused_from_its_directory_without_being_inflated(app, admin, bomb):
    with changes_nothing(app), within_memory(max_mb=40):
        response = import_file(admin, bomb, "clients.xlsx")
    refused(
        response,
        zh(app, "The file unpacks to more than %(mb)d MB.", mb=files.MAX_UNZIPPED_BYTES // MB),
    )


def test_a_member_packed_a_thousand_to_one_is_refused(app, admin):
    data = padded_xlsx(20, filler=b"0")
    with changes_nothing(app), within_memory(max_mb=40):
        response = import_file(admin, data, "clients.xlsx")
    refused(response, zh(app, "The file is packed suspiciously tightly; it was refused."))


def test_the_import_checks_its_own_smaller_unpacked_limit_before_openpyxl_opens_the_file(
    app, admin, monkeypatch
):
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("openpyxl opened a file that was already too large")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    monkeypatch.setattr(importing, "MAX_XLSX_UNZIPPED", MB)
    # Two parts just under the ratio floor, so only the import's own total catches them.
    data = xlsx(
        extra=[(f"xl/padding{i}.xml", b" " * (files.ZIP_RATIO_FLOOR - 1)) for i in range(2)]
    )
    with changes_nothing(app):
        response = import_file(admin, data, "clients.xlsx")
    refused(response, zh(app, "The file unpacks to more than %(mb)d MB.", mb=1))


def test_a_zip_of_thousands_of_members_is_refused(app, admin):
    data = xlsx(extra=[(f"xl/media/part{i}.xml", b"<x/>") for i in range(5000)], level=1)
    with changes_nothing(app), within_memory(max_mb=60):
        response = import_file(admin, data, "clients.xlsx")
    refused(response, zh(app, "The file has more than %(n)d parts.", n=files.MAX_ZIP_MEMBERS))


def inner_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as inner:
        inner.writestr("layer2.bin", b"\x00" * (50 * MB))
    return out.getvalue()


@pytest.mark.parametrize("member", ["xl/embeddings/payload.zip", "xl/media/image1.png"])
def test_a_zip_nested_in_the_xlsx_is_refused_whatever_its_name(app, admin, member):
    data = xlsx(extra=[(member, inner_zip())])
    with changes_nothing(app):
        response = import_file(admin, data, "clients.xlsx")
    refused(response, zh(app, "Files with an archive inside are not accepted."))


def plain_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("clients.csv", GOOD_CSV)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [plain_zip(), b"PK\x03\x04" + b"\x14\x00" * 40, xlsx()[:300]],
    ids=["zip-without-workbook", "zip-header-only", "truncated"],
)
def test_a_zip_that_is_not_a_workbook_is_refused_as_damaged(app, admin, data):
    with changes_nothing(app):
        response = import_file(admin, data, "clients.xlsx")
    refused(response, zh(app, "The file is damaged or is not a real %(type)s file.", type="XLSX"))


def test_a_sheet_claiming_a_million_rows_and_columns_is_read_by_its_real_cells(app, admin):
    data = xlsx(
        sheet(
            row(1, "name") + row(2, "Dimension Liar Ltd"), head=b'<dimension ref="A1:XFD1048576"/>'
        )
    )
    with changes_nothing(app), within_memory(max_mb=40):
        response = admin.post(
            IMPORT, {"file": (io.BytesIO(data), "clients.xlsx")}, content_type="multipart/form-data"
        )
        key = pending_key(response)
        admin.post(f"/desk/admin/clients/import/{key}")  # committed: one company more, no file left
        assert count(app, ClientCompany, ClientCompany.name == "Dimension Liar Ltd") == 1
        with app.app_context(), tenant_context("alpha"):
            db.session.execute(
                db.delete(ClientCompany).where(ClientCompany.name == "Dimension Liar Ltd")
            )
            db.session.commit()


def test_a_sheet_with_a_far_away_row_and_column_is_refused_without_reading_the_gap(app, admin):
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    data = xlsx(sheet(row(1, "name") + row(2, "Far Away Ltd") + far))
    with changes_nothing(app), within_memory(max_mb=60):
        response = import_file(admin, data, "clients.xlsx")
    refused(response, "每次最多导入 5000 行。")


def test_xml_entity_expansion_in_the_sheet_is_refused(app, admin):
    entities = b"".join(b'<!ENTITY e%d "%s">' % (i, b"&e%d;" % (i - 1) * 10) for i in range(1, 10))
    prologue = XML_DECLARATION + b'<!DOCTYPE worksheet [<!ENTITY e0 "lol">' + entities + b"]>"
    data = xlsx(sheet(row(1, "name") + row(2, "&e9;"), prologue=prologue))
    with changes_nothing(app), within_memory(max_mb=150):
        response = import_file(admin, data, "clients.xlsx")
    refused(
        response, zh(app, "The file could not be read. Check that it is a valid CSV or XLSX file.")
    )


def test_more_columns_than_the_cap_are_refused(app, admin):
    header = ["name"] + [f"extra{i}" for i in range(importing.MAX_COLUMNS + 5)]
    data = (
        ",".join(header) + "\n" + ",".join(["Wide Co"] + ["x"] * (len(header) - 1)) + "\n"
    ).encode()
    with changes_nothing(app):
        response = import_file(admin, data)
    refused(response, zh(app, "At most %(n)d columns per import.", n=importing.MAX_COLUMNS))


def test_a_cell_longer_than_the_csv_reader_allows_is_refused_cleanly(app, admin):
    data = b'name\n"' + b"A" * (200 * 1024) + b'"\n'
    with changes_nothing(app):
        response = import_file(admin, data)
    refused(
        response, zh(app, "The file could not be read. Check that it is a valid CSV or XLSX file.")
    )


def test_real_workbooks_and_documents_pass_the_container_check():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["name"])
    book.active.append(["Real Co"])
    out = io.BytesIO()
    book.save(out)
    files.check_zip_container(out.getvalue(), "xlsx")
    files.check_zip_container(importing.rows_to_xlsx([["name"], ["Exported Co"]]), "xlsx")
    # A Word report with a chart embeds the chart's workbook: that is not a nested archive.
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/embeddings/Microsoft_Excel_Worksheet.xlsx", out.getvalue())
    files.check_zip_container(docx.getvalue(), "docx")
    with pytest.raises(files.UploadError):
        files.check_zip_container(docx.getvalue(), "xlsx")


# --- 2. size limits -------------------------------------------------------------------------


def test_an_import_just_over_five_mb_is_refused(app, admin):
    data = GOOD_CSV + b"Padding Co\n" * ((5 * MB) // 11 + 1)
    assert 5 * MB < len(data) < 5 * MB + 64
    assert (
        zh(app, "The file is larger than %(mb)d MB.", mb=5) == TOO_LARGE % 5
    )  # zh() reads Chinese
    with changes_nothing(app):
        response = import_file(admin, data)
    refused(response, TOO_LARGE % 5)


def test_a_body_over_the_request_limit_gets_a_clean_413_page_in_chinese(app, admin):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 25 * MB
    with changes_nothing(app):
        response = import_file(admin, b"name\n" + b"x" * limit)
    body = refused(response, "文件过大", status=413)
    assert "文件大小超出限制。" in body and "werkzeug" not in body.lower()
    assert response.mimetype == "text/html"


# --- 3. content that is not what the name says ---------------------------------------------


@pytest.mark.parametrize(
    "data, name",
    [
        (PNG, "clients.csv"),
        (EXE, "clients.csv"),
        (HTML, "clients.csv"),
        (b"\xef\xbb\xbf  <html><body>name</body></html>", "clients.csv"),
        (HTML, "clients.xlsx"),
        (PNG, "clients.xlsx"),
        (b"name,tags\nNul Trading Ltd,a\x00b\n", "clients.csv"),  # NUL past the first bytes
        ("name\n利用测试有限公司\n".encode("utf-16"), "clients.csv"),
    ],
    ids=["png", "exe", "html", "bom-html", "html-xlsx", "png-xlsx", "nul", "utf16"],
)
def test_content_that_is_not_a_csv_or_xlsx_is_refused(app, admin, data, name):
    with changes_nothing(app):
        response = import_file(admin, data, name)
    refused(response, TYPE_REFUSED % "csv, xlsx")


@pytest.mark.parametrize(
    "data",
    [
        "name\nCafé Müller GmbH\n".encode("cp1252"),
        b"name\n" + bytes(range(0x80, 0x100)) + b"\n",
    ],
    ids=["cp1252", "binary-high-bytes"],
)
def test_a_csv_in_another_encoding_is_refused_not_imported_as_mojibake(app, admin, data):
    with changes_nothing(app):
        response = import_file(admin, data)
    refused(
        response,
        zh(
            app,
            "The file is not in UTF-8 or GB18030 (GBK) encoding. "
            'Save it as "CSV UTF-8" and try again.',
        ),
    )


@pytest.mark.parametrize(
    "encoding, name",
    [
        ("gbk", "上海上传测试贸易有限公司"),
        ("utf-8-sig", "北京上传测试咨询有限公司"),
        ("utf-8", "广州上传测试科技有限公司"),
        ("gb18030", "𠮷野上传测试餐饮有限公司"),  # 𠮷 is outside GBK
    ],
)
def test_chinese_csv_exports_in_utf8_bom_gbk_and_gb18030_import_with_their_names(
    app, admin, encoding, name
):
    data = f"公司名称,纳税人类型\n{name},小规模纳税人\n".encode(encoding)
    key = pending_key(import_file(admin, data))
    assert admin.post(f"/desk/admin/clients/import/{key}").status_code == 302
    assert (
        count(
            app, ClientCompany, ClientCompany.name == name, ClientCompany.tax_type == "small_scale"
        )
        == 1
    )


# --- 4. double extensions -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data",
    [
        ("clients.csv.exe", EXE),
        ("clients.csv.exe", GOOD_CSV),
        ("clients.xlsx.html", HTML),
        ("invoice.pdf.html", HTML),
        ("clients.csv.", GOOD_CSV),
        ("clients.csv ", HTML),
    ],
)
def test_a_double_extension_is_judged_by_its_last_part(app, admin, name, data):
    with changes_nothing(app):
        response = import_file(admin, data, name)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        TYPE_REFUSED % "csv, xlsx" in body or zh(app, "The file has no name or extension.") in body
    )


def test_a_php_csv_is_a_csv_stored_as_text_csv_and_never_served(app, admin):
    key = pending_key(import_file(admin, GOOD_CSV, "clients.php.csv"))
    with app.app_context(), tenant_context("alpha"):
        stored = db.session.scalar(select(StoredFile).where(StoredFile.key == key))
        assert (stored.original_name, stored.content_type) == ("clients.php.csv", "text/csv")
    assert (
        admin.get(f"/desk/admin/clients/import/{key}").status_code == 405
    )  # import files have no download


# --- 5. hostile file names ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, kept",
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        ("..\\..\\win.csv", "win.csv"),
        ("/abs/path.csv", "path.csv"),
        ("C:\\Windows\\System32\\drivers.csv", "drivers.csv"),
        ("evil\x00.csv", "evil.csv"),
        ("line\nbreak\r.csv", "linebreak.csv"),
        ("rtl\u202evsc.exe.csv", "rtlvsc.exe.csv"),
        ("a" * 1000 + ".csv", "a" * 251 + ".csv"),
    ],
    ids=["dotdot", "backslash", "absolute", "drive", "nul", "newline", "rtl-override", "long"],
)
def test_a_hostile_name_is_kept_as_a_safe_basename_and_the_file_only_under_its_key(
    app, admin, name, kept
):
    before = disk(app)
    key = pending_key(import_file(admin, GOOD_CSV, name))
    with app.app_context(), tenant_context("alpha"):
        stored = db.session.scalar(select(StoredFile).where(StoredFile.key == key))
        assert stored.original_name == kept
        folder = files.firm_folder()
    # The one new file under the storage root's parent (where ../../ would land) is the key.
    top = Path(app.config["STORAGE_DIR"]).parent
    assert set(disk(app)) - set(before) == {(folder / key).relative_to(top).as_posix()}
    assert re.fullmatch(r"[\w-]{20,64}", key)


@pytest.mark.parametrize("name", ["", "..", ".", "/", "noextension"])
def test_a_name_with_nothing_left_is_refused(app, admin, name):
    with changes_nothing(app):
        response = import_file(admin, GOOD_CSV, name)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        zh(app, "The file has no name or extension.") in body
        or zh(app, "Choose a file to upload.") in body
    )


def test_safe_name_cases():
    assert files.safe_name("..\\..//x.csv") == "x.csv"
    assert files.safe_name(" .. ") == ""
    assert files.safe_name("名单\t2025.xlsx") == "名单2025.xlsx"
    assert len(files.safe_name("b" * 300 + "." + "c" * 20)) == files.MAX_NAME


# --- 6. formula injection -------------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/","click") Co',
    "+cmd Trading",
    "-2+3 Holdings",
    "@SUM(1+1) Ltd",
]


def test_formula_cells_are_imported_as_text_and_neutralised_on_export(app, admin):
    from openpyxl import load_workbook

    out = io.StringIO()
    csv.writer(out).writerows(
        [["name", "tags", "contact_name"]] + [[f, "formulatag", "=1+1"] for f in FORMULAS]
    )
    key = pending_key(import_file(admin, out.getvalue().encode()))
    assert admin.post(f"/desk/admin/clients/import/{key}").status_code == 302
    exported = admin.get("/desk/admin/clients/export.csv?tag=formulatag")
    table = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r[0] for r in table[1:]) == sorted("'" + f for f in FORMULAS)
    assert {r[8] for r in table[1:]} == {"'=1+1"}
    workbook = load_workbook(
        io.BytesIO(admin.get("/desk/admin/clients/export.xlsx?tag=formulatag").data)
    )
    cells = [c for r in workbook.active.iter_rows() for c in r if c.value]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert sorted(c.value for c in cells if c.column == 1 and c.row > 1) == sorted(
        "'" + f for f in FORMULAS
    )
    assert safe_cell("\t=1+1") == "'\t=1+1" and safe_cell("\r=1") == "'\r=1"
    assert safe_cell("Plain Co") == "Plain Co"


# --- 7. every other upload ------------------------------------------------------------------


def ledger_period(app, client):
    from yk_saas.ledgers.models import LedgerPeriod

    with app.app_context(), tenant_context("alpha"):
        company = ClientCompany(name=f"Upload Ledger Co {time.time_ns()}")
        db.session.add(company)
        db.session.commit()
        period = LedgerPeriod(company_id=company.id, period="2024-07")
        db.session.add(period)
        db.session.commit()
        return period.id


def paid_invoice(app):
    from tests.support.billing import new_invoice
    from yk_saas.accounts.models import User
    from yk_saas.billing import services

    with app.app_context(), tenant_context("alpha"):
        invoice_id = new_invoice(1, 8000)
        services.record_offline_payment(
            invoice_id, 8000, "cash", "", date(2026, 11, 2), db.session.get(User, 2)
        )
        db.session.commit()
        return invoice_id


def request_type(app):
    from yk_saas.work.settings import get_settings

    with app.app_context(), tenant_context("alpha"):
        settings = get_settings()
        db.session.commit()
        return settings.request_types[0]


def waiting_item(app):
    """A request of client X waiting on the client, so the client may reply with files."""
    from yk_saas.accounts.services import find_user_by_email
    from yk_saas.work.services import create_request

    kind = request_type(app)
    with app.app_context(), tenant_context("alpha"):
        item = create_request(
            find_user_by_email("x@alpha.example.com"), "Upload attack item", kind, "x"
        )
        item.state = "waiting_on_client"
        db.session.commit()
        return item.id


def profile_fields(app, email="acc@alpha.example.com"):
    """The profile form as the page fills it in, so posting it changes only the photo."""
    from yk_saas.accounts.services import find_user_by_email
    from yk_saas.clients.models import StaffProfile

    with app.app_context(), tenant_context("alpha"):
        user = find_user_by_email(email)
        profile = db.session.get(StaffProfile, user.id)
        return {
            "phone": user.phone or "",
            "title": (profile and profile.title) or "",
            "wechat": (profile and profile.wechat) or "",
        }


def owner_models():
    from yk_saas.billing.models import RefundRequest
    from yk_saas.catalog.models import ServiceItem
    from yk_saas.feedback.models import Complaint
    from yk_saas.work.models import WorkEntry, WorkItem

    return {
        "complaint": (Complaint,),
        "work_new": (WorkItem,),
        "work_reply": (WorkEntry,),
        "catalog": (ServiceItem,),
        "refund": (RefundRequest,),
    }


DOCS = "docx, jpeg, jpg, pdf, png, webp, xlsx"
PICS = "jpeg, jpg, png, webp"
#: id → (who, path and fields from (app, client), file field, allowed types, MB limit, valid sample)
ENDPOINTS = {
    "ledger": (
        "admin",
        lambda app, c: (f"/desk/ledgers/{ledger_period(app, c)}/files", {}),
        "file",
        DOCS,
        20,
        PDF,
    ),
    "complaint": (
        "client_x",
        lambda app, c: (
            "/portal/feedback/complaints/",
            {"title": "Upload attack", "description": "Files attached"},
        ),
        "files",
        DOCS,
        10,
        PDF,
    ),
    "work_new": (
        "client_x",
        lambda app, c: (
            "/portal/work/new",
            {
                "title": "Upload attack request",
                "request_type": request_type(app),
                "description": "x",
                "urgency": "normal",
                "service_id": "0",
            },
        ),
        "files",
        DOCS,
        10,
        PDF,
    ),
    "work_reply": (
        "client_x",
        lambda app, c: (f"/portal/work/{waiting_item(app)}/reply", {"body": "Here it is"}),
        "files",
        DOCS,
        10,
        PDF,
    ),
    "staff_photo": (
        "accountant",
        lambda app, c: ("/desk/staff/profile", profile_fields(app)),
        "photo",
        PICS,
        2,
        PNG,
    ),
    "logo": (
        "owner",
        lambda app, c: ("/desk/admin/site/branding/", {"primary": "#1d5fd1", "accent": "#0f2f66"}),
        "logo",
        PICS,
        2,
        PNG,
    ),
    "favicon": (
        "owner",
        lambda app, c: ("/desk/admin/site/branding/", {"primary": "#1d5fd1", "accent": "#0f2f66"}),
        "favicon",
        "png",
        2,
        PNG,
    ),
    "catalog": (
        "admin",
        lambda app, c: (
            "/desk/admin/catalog/services/new",
            {
                "name": f"Upload attack service {time.time_ns()}",
                "category_id": "0",
                "price": "10",
                "billing_cycle": "one_off",
                "sort_order": "0",
            },
        ),
        "image",
        PICS,
        5,
        PNG,
    ),
    "site_slide": (
        "owner",
        lambda app, c: ("/desk/admin/site/slides", {"title": "Upload attack slide"}),
        "image",
        PICS,
        5,
        PNG,
    ),
    "refund": (
        "client_x",
        lambda app, c: (
            f"/portal/billing/invoices/{paid_invoice(app)}",
            {"reason": "Upload attack refund"},
        ),
        "evidence",
        DOCS,
        10,
        PDF,
    ),
}


def attacks(sample, mb):
    ext = "pdf" if sample == PDF else "png"
    return {
        "double-extension-html": (f"report.{ext}.html", HTML),
        "html-named-as-allowed": (f"report.html.{ext}", HTML),
        "svg-named-as-allowed": (f"report.{ext}", SVG),
        "oversize": (f"big.{ext}", sample + b"0" * (mb * MB + 1 - len(sample))),
    }


@pytest.mark.parametrize(
    "attack", ["double-extension-html", "html-named-as-allowed", "svg-named-as-allowed", "oversize"]
)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_every_upload_endpoint_refuses_disguised_and_oversize_files(
    app, firm_a, signed_in, endpoint, attack
):
    who, where, field, types, mb, sample = ENDPOINTS[endpoint]
    client = signed_in(firm_a, who)
    path, fields = where(app, client)
    name, data = attacks(sample, mb)[attack]
    with changes_nothing(app, *owner_models().get(endpoint, ())):
        response = post_files(client, path, fields, [(field, name, data)])
    refused(response, TOO_LARGE % mb if attack == "oversize" else TYPE_REFUSED % types)


@pytest.mark.parametrize(
    "endpoint, uploads",
    [
        ("complaint", [("files", "proof.pdf", PDF), ("files", "proof.pdf.html", HTML)]),
        ("work_new", [("files", "lease.pdf", PDF), ("files", "setup.exe", EXE)]),
        ("logo", [("logo", "logo.png", PNG), ("favicon", "favicon.svg", SVG)]),
    ],
)
def test_a_refused_file_among_good_ones_leaves_none_of_them_on_disk(
    app, firm_a, signed_in, endpoint, uploads
):
    who, where = ENDPOINTS[endpoint][:2]
    client = signed_in(firm_a, who)
    path, fields = where(app, client)
    with changes_nothing(app, *owner_models().get(endpoint, ())):
        response = post_files(client, path, fields, uploads)
    assert response.status_code == 422
    assert "不接受此类型的文件" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "field, name, allowed",
    [
        ("logo", "logo.svg", PICS),
        ("logo", "logo.png", PICS),
        ("logo", "logo.svgz", PICS),
        ("favicon", "favicon.svg", "png"),
        ("favicon", "favicon.ico", "png"),
    ],
)
def test_an_svg_with_script_is_refused_as_logo_or_favicon(
    app, firm_a, signed_in, field, name, allowed
):
    owner = signed_in(firm_a, "owner")
    with changes_nothing(app):
        response = post_files(
            owner,
            "/desk/admin/site/branding/",
            {"primary": "#1d5fd1", "accent": "#0f2f66"},
            [(field, name, SVG)],
        )
    refused(response, TYPE_REFUSED % allowed)


def newest(app, owner_type):
    with app.app_context(), tenant_context("alpha"):
        stored = db.session.scalar(
            select(StoredFile)
            .where(StoredFile.owner_type == owner_type)
            .order_by(StoredFile.id.desc())
            .limit(1)
        )
        return stored.id, stored.key, stored.owner_id


def assert_served(response, content_type, inline, data=None):
    assert response.status_code == 200
    assert response.mimetype == content_type and "html" not in response.content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers.get("Content-Disposition", "")
    assert disposition.startswith("inline" if inline else "attachment"), disposition
    assert "\n" not in disposition and "\r" not in disposition and "\\" not in disposition
    if data is not None:
        assert response.data == data
    return disposition


def test_stored_files_are_served_with_their_detected_type_nosniff_and_as_attachments(
    app, firm_a, signed_in
):
    admin, owner = signed_in(firm_a, "admin"), signed_in(firm_a, "owner")
    accountant, client = signed_in(firm_a, "accountant"), signed_in(firm_a, "client_x")
    # A ledger PDF with a hostile name: served as a PDF attachment under a safe name.
    period_id = ledger_period(app, admin)
    assert (
        post_files(
            admin, f"/desk/ledgers/{period_id}/files", {}, [("file", "..\\evil\r\n.php.pdf", PDF)]
        ).status_code
        == 302
    )
    _, key, _ = newest(app, "ledger")
    disposition = assert_served(
        admin.get(f"/desk/ledgers/files/{key}"), "application/pdf", False, PDF
    )
    assert re.search(r'filename="?evil\.php\.pdf"?$', disposition), disposition
    # A PNG that carries a script after its header stays an image (inline, nosniff).
    polyglot = PNG + HTML
    assert (
        post_files(
            accountant,
            "/desk/staff/profile",
            profile_fields(app),
            [("photo", "me.html.png", polyglot)],
        ).status_code
        == 302
    )
    _, _, user_id = newest(app, "staff_photo")
    assert_served(accountant.get(f"/desk/staff/photo/{user_id}"), "image/png", True, polyglot)
    # A work attachment: a download, whatever its type.
    response = post_files(
        client,
        "/portal/work/new",
        {
            "title": "Served attachment",
            "request_type": request_type(app),
            "description": "x",
            "urgency": "normal",
            "service_id": "0",
        },
        [("files", "scan.png", PNG)],
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    file_id, _, _ = newest(app, "work_item")
    assert_served(client.get(f"/portal/work/files/{file_id}"), "image/png", False, PNG)
    # A complaint attachment.
    assert (
        post_files(
            client,
            "/portal/feedback/complaints/",
            {"title": "Served", "description": "x"},
            [("files", "proof.pdf", PDF)],
        ).status_code
        == 302
    )
    _, key, _ = newest(app, "complaint")
    assert_served(
        client.get(f"/portal/feedback/complaints/files/{key}"), "application/pdf", False, PDF
    )
    # A catalog image and a site slide: images shown inline.
    saved = post_files(
        admin,
        "/desk/admin/catalog/services/new",
        {
            "name": f"Served image service {time.time_ns()}",
            "category_id": "0",
            "price": "10",
            "billing_cycle": "one_off",
            "sort_order": "0",
        },
        [("image", "pic.png", PNG)],
    )
    assert saved.status_code == 303
    service_id = int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert_served(admin.get(f"/portal/catalog/{service_id}/image"), "image/png", True, PNG)
    assert post_files(
        owner, "/desk/admin/site/slides", {"title": "Served slide"}, [("image", "slide.png", PNG)]
    ).status_code in (302, 303)
    _, key, _ = newest(app, "site_slide")
    media = owner.get(f"/site/media/{key}")
    assert media.status_code == 200 and media.mimetype == "image/png" and media.data == PNG
    assert media.headers["X-Content-Type-Options"] == "nosniff"
