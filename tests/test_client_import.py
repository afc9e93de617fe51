"""Import of client companies: previewed, per-row errors, all or nothing; export of the filtered list."""

import csv
import io
import re

from sqlalchemy import func, select

from tenants import db, tenant_context
from yk_saas.clients.creditcode import check_character
from yk_saas.clients.models import ClientCompany, ClientContact

HEADER = [
    "name",
    "credit_code",
    "industry",
    "size",
    "tax_type",
    "tags",
    "contact_name",
    "accountant_email",
]


def code(n):
    first17 = f"91330100MA{n:07d}"
    return first17 + check_character(first17)


def rows(prefix, count=100):
    return [
        [
            f"{prefix} {i:03d} Ltd",
            code(hash(prefix) % 9000 * 1000 + i),
            "Retail",
            "small",
            "general",
            "imported, batch",
            f"Contact {i}",
            "acc@alpha.example.com",
        ]
        for i in range(count)
    ]


def as_csv(table):
    out = io.StringIO()
    csv.writer(out).writerows([HEADER] + table)
    return out.getvalue().encode("utf-8")


def count_like(app, prefix):
    with app.app_context(), tenant_context("alpha"):
        return db.session.scalar(
            select(func.count(ClientCompany.id)).where(ClientCompany.name.like(f"{prefix}%"))
        )


def test_three_bad_rows_of_a_hundred_write_nothing_and_each_is_named(app, firm_a, signed_in_en):
    table = rows("Impbad")
    table[9][1] = table[9][1][:-1] + ("0" if table[9][1][-1] != "0" else "1")  # wrong check digit
    table[41][0] = ""  # no name
    table[77][7] = "nobody@alpha.example.com"  # unknown accountant
    admin = signed_in_en(firm_a, "admin")
    response = admin.post(
        "/desk/admin/clients/import",
        {"file": (io.BytesIO(as_csv(table)), "clients.csv")},
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "3 of 100 rows have errors" in body
    errors = body[body.index('id="import-errors"') :]
    assert "Row 11" in errors and "check digit" in errors
    assert "Row 43" in errors and "name is missing" in errors
    assert "Row 79" in errors and "nobody@alpha.example.com" in errors
    assert 'id="commit-import"' not in body
    assert count_like(app, "Impbad") == 0


def test_a_good_file_is_previewed_then_written_whole(app, firm_a, signed_in_en):
    admin = signed_in_en(firm_a, "admin")
    preview = admin.post(
        "/desk/admin/clients/import",
        {"file": (io.BytesIO(as_csv(rows("Impgood"))), "clients.csv")},
        content_type="multipart/form-data",
    )
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "All 100 rows are valid" in body
    assert count_like(app, "Impgood") == 0  # nothing written by the preview
    key = re.search(r'/desk/admin/clients/import/([\w-]+)"', body).group(1)
    assert (
        signed_in_en(firm_a, "owner").post(f"/desk/admin/clients/import/{key}").status_code == 302
    )  # not theirs
    assert count_like(app, "Impgood") == 0
    assert admin.post(f"/desk/admin/clients/import/{key}").status_code == 302
    assert count_like(app, "Impgood") == 100
    with app.app_context(), tenant_context("alpha"):
        company = db.session.scalar(
            select(ClientCompany).where(ClientCompany.name == "Impgood 005 Ltd")
        )
        assert company.dedicated_accountant_id == 3 and company.tax_type == "general"
        from yk_saas.clients.models import AccountantChange

        assert (
            db.session.scalar(
                select(AccountantChange.new_id).where(AccountantChange.company_id == company.id)
            )
            == 3
        )
        assert (
            db.session.scalar(
                select(ClientContact.name).where(ClientContact.company_id == company.id)
            )
            == "Contact 5"
        )
    # A second commit of the same file does nothing: the file is gone.
    admin.post(f"/desk/admin/clients/import/{key}")
    assert count_like(app, "Impgood") == 100


def test_xlsx_import_and_filtered_export(app, firm_a, signed_in_en):
    from openpyxl import Workbook, load_workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["公司名称", "统一社会信用代码", "纳税人类型", "标签"])
    sheet.append(["Xlsx Trading Ltd", code(8100001), "小规模纳税人", "xlsxtag"])
    sheet.append(["+Plus Trading Ltd", "", "", "xlsxtag"])
    data = io.BytesIO()
    book.save(data)
    admin = signed_in_en(firm_a, "admin")
    preview = admin.post(
        "/desk/admin/clients/import",
        {"file": (io.BytesIO(data.getvalue()), "c.xlsx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    key = re.search(r'/desk/admin/clients/import/([\w-]+)"', preview).group(1)
    admin.post(f"/desk/admin/clients/import/{key}")
    exported = admin.get("/desk/admin/clients/export.csv?tag=xlsxtag")
    text = exported.get_data(as_text=True)
    assert exported.status_code == 200 and "Xlsx Trading Ltd" in text and "small_scale" in text
    assert "'+Plus Trading Ltd" in text and "ALPHASECRET Company X" not in text
    workbook = load_workbook(
        io.BytesIO(admin.get("/desk/admin/clients/export.xlsx?tag=xlsxtag").data)
    )
    names = [row[0] for row in workbook.active.iter_rows(values_only=True)]
    assert names[0] == "name" and "Xlsx Trading Ltd" in names and len(names) == 3
