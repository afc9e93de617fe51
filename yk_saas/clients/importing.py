"""Import and export of client companies (K4): CSV and XLSX, previewed, all or nothing."""

import csv
import io
import itertools
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from tenants import db
from yk_saas import signals
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.clients import crm
from yk_saas.clients.creditcode import CreditCodeError, normalize_credit_code, validate_credit_code
from yk_saas.clients.models import SIZES, SOURCES, TAX_TYPES, ClientCompany
from yk_saas.clients.services import credit_code_message
from yk_saas.csv_export import csv_bytes, safe_cell
from yk_saas.errors import UserError
from yk_saas.files.services import MB, UploadError, check_zip_container

COLUMNS = (
    "name",
    "credit_code",
    "industry",
    "size",
    "tax_type",
    "address",
    "source",
    "tags",
    "contact_name",
    "contact_phone",
    "contact_email",
    "accountant_email",
)
#: Headers people type in Chinese spreadsheets, mapped to our columns.
ALIASES = {
    "公司名称": "name",
    "名称": "name",
    "统一社会信用代码": "credit_code",
    "信用代码": "credit_code",
    "行业": "industry",
    "规模": "size",
    "纳税人类型": "tax_type",
    "地址": "address",
    "来源": "source",
    "标签": "tags",
    "联系人": "contact_name",
    "电话": "contact_phone",
    "联系电话": "contact_phone",
    "邮箱": "contact_email",
    "会计邮箱": "accountant_email",
}
VALUE_ALIASES = {
    "小规模纳税人": "small_scale",
    "一般纳税人": "general",
    "微型": "micro",
    "小型": "small",
    "中型": "medium",
    "大型": "large",
    "转介绍": "referral",
    "网站": "website",
}
MAX_ROWS = 5000
#: Columns read from each row: ours plus a few of the spreadsheet's own, which are ignored.
MAX_COLUMNS = 50
#: An XLSX of MAX_ROWS client rows unpacks to a few MB; far more is not a client list.
MAX_XLSX_UNZIPPED = 50 * MB
#: What spreadsheet programs save a CSV in (GB18030 includes GBK); others are refused.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class ImportRow:
    line: int
    values: dict
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportCheck:
    rows: list[ImportRow]
    problem: str | None = None

    @property
    def bad_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return self.problem is None and bool(self.rows) and not self.bad_rows


class TableError(UserError):
    """The file cannot be read as a table; the message says why, in the user's language."""


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """Rows of cells (as text) of a CSV (UTF-8, with or without BOM, or GB18030) or XLSX file.

    Reads at most MAX_ROWS + 2 lines of MAX_COLUMNS + 1 cells, so a larger file is refused
    without being read whole.
    """
    if filename.lower().endswith(".xlsx"):
        check_zip_container(data, "xlsx", max_unzipped=MAX_XLSX_UNZIPPED)
        rows = xlsx_rows(data)
    else:
        rows = csv_rows(data)
    try:
        table = [row[: MAX_COLUMNS + 1] for row in itertools.islice(rows, MAX_ROWS + 2)]
    except TableError:
        raise
    except Exception as exc:  # openpyxl and csv fail in many ways on a malformed file
        raise TableError(
            _("The file could not be read. Check that it is a valid CSV or XLSX file.")
        ) from exc
    finally:
        rows.close()
    if any(any(row[MAX_COLUMNS:]) for row in table):
        raise TableError(_("At most %(n)d columns per import.", n=MAX_COLUMNS))
    return table


def xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.active
        # The size a sheet states may be made up (A1:XFD1048576): read only the cells there are.
        sheet.reset_dimensions()
        for row in sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True):
            yield ["" if cell is None else str(cell).strip() for cell in row]
    finally:
        book.close()


def csv_rows(data: bytes):
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError(
            _(
                "The file is not in UTF-8 or GB18030 (GBK) encoding. "
                'Save it as "CSV UTF-8" and try again.'
            )
        )
    for row in csv.reader(io.StringIO(text)):
        yield [cell.strip() for cell in row]


def header_keys(header: list[str]) -> list[str | None]:
    keys = []
    for cell in header:
        name = cell.strip().lower().replace(" ", "_")
        keys.append(name if name in COLUMNS else ALIASES.get(cell.strip()))
    return keys


def parse_rows(table: list[list[str]]) -> ImportCheck:
    """Map the header to our columns and turn each non-empty line into an ImportRow."""
    if not table:
        return ImportCheck([], _("The file is empty."))
    keys = header_keys(table[0])
    if "name" not in keys:
        return ImportCheck([], _('The first row must be a header with at least a "name" column.'))
    if len(table) - 1 > MAX_ROWS:
        return ImportCheck([], _("At most %(n)d rows per import.", n=MAX_ROWS))
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        values = {key: (cells[i] if i < len(cells) else "") for i, key in enumerate(keys) if key}
        rows.append(ImportRow(line, {k: VALUE_ALIASES.get(v, v) for k, v in values.items()}))
    return ImportCheck(rows)


def check_import(data: bytes, filename: str) -> ImportCheck:
    """Parse and validate every row against the firm's data and the rest of the file."""
    try:
        table = read_table(data, filename)
    except (TableError, UploadError) as exc:
        return ImportCheck([], str(exc))
    check = parse_rows(table)
    if check.problem:
        return check
    names = {n.lower() for n in db.session.scalars(select(func.lower(ClientCompany.name)))}
    codes = set(
        db.session.scalars(
            select(ClientCompany.credit_code).where(ClientCompany.credit_code.is_not(None))
        )
    )
    staff = {
        u.email.lower(): u.id for u in db.session.scalars(select(User).where(User.role != "client"))
    }
    for row in check.rows:
        validate_row(row, names, codes, staff)
    return check


def validate_row(row: ImportRow, names: set, codes: set, staff: dict) -> None:
    """Fill ``row.errors``; remember its name and code so later duplicates are caught."""
    v = row.values
    name = v.get("name", "").strip()
    if len(name) < 2:
        row.errors.append(_("The name is missing."))
    elif name.lower() in names:
        row.errors.append(_('A client company named "%(name)s" already exists.', name=name))
    names.add(name.lower())
    if normalize_credit_code(v.get("credit_code")):
        try:
            v["credit_code"] = validate_credit_code(v["credit_code"])
        except CreditCodeError as exc:
            row.errors.append(credit_code_message(str(exc)))
        else:
            if v["credit_code"] in codes:
                row.errors.append(
                    _("The credit code %(code)s is already used.", code=v["credit_code"])
                )
            codes.add(v["credit_code"])
    for key, allowed in (("size", SIZES), ("tax_type", TAX_TYPES), ("source", SOURCES)):
        if v.get(key) and v[key] not in allowed:
            row.errors.append(_('"%(value)s" is not a valid %(column)s.', value=v[key], column=key))
    email = v.get("accountant_email", "").strip().lower()
    if email and email not in staff:
        row.errors.append(_("No member of staff has the e-mail %(email)s.", email=email))
    v["accountant_id"] = staff.get(email)


def commit_import(check: ImportCheck, by: User, filename: str) -> int:
    """Write every row of a clean check in one transaction; returns how many."""
    if not check.ok:
        raise ValueError("refusing to import a file with errors")
    for row in check.rows:
        import_row(row.values, by)
    record_audit(
        "clients_imported", "client_company", None, actor=by, rows=len(check.rows), file=filename
    )
    return len(check.rows)


def import_row(v: dict, by: User) -> ClientCompany:
    """One company with its tags and primary contact; its accountant enters the history."""
    company = ClientCompany(
        name=v["name"].strip(),
        credit_code=v.get("credit_code") or None,
        dedicated_accountant_id=v.get("accountant_id"),
        **{
            k: (v.get(k) or "").strip() or None
            for k in ("industry", "size", "tax_type", "address", "source")
        },
    )
    db.session.add(company)
    db.session.flush()
    tags = crm.parse_tags(v.get("tags"))[: crm.MAX_TAGS] if v.get("tags") else []
    crm.set_tags(company.id, tags)
    if company.dedicated_accountant_id:
        signals.dedicated_accountant_changed.send(
            current_app._get_current_object(),
            company_id=company.id,
            old_id=None,
            new_id=company.dedicated_accountant_id,
            by_id=by.id,
        )
    if v.get("contact_name"):
        crm.add_contact(
            company.id,
            v["contact_name"],
            True,
            phone=v.get("contact_phone"),
            email=v.get("contact_email"),
        )
    return company


def export_rows(companies) -> list[list[str]]:
    """Header plus one row per company, in the import's own columns (so exports re-import)."""
    ids = [c.id for c in companies]
    tags = crm.tags_by_company(ids)
    staff = {u.id: u.email for u in db.session.scalars(select(User).where(User.role != "client"))}
    contacts = {
        c.company_id: c
        for c in db.session.scalars(
            select(crm.ClientContact).where(
                crm.ClientContact.company_id.in_(ids), crm.ClientContact.is_primary.is_(True)
            )
        )
    }
    rows = [list(COLUMNS)]
    for c in companies:
        contact = contacts.get(c.id)
        rows.append(
            [
                c.name,
                c.credit_code or "",
                c.industry or "",
                c.size or "",
                c.tax_type or "",
                c.address or "",
                c.source or "",
                ", ".join(tags.get(c.id, [])),
                contact.name if contact else "",
                (contact.phone or "") if contact else "",
                (contact.email or "") if contact else "",
                staff.get(c.dedicated_accountant_id, ""),
            ]
        )
    return rows


def rows_to_csv(rows) -> bytes:
    return csv_bytes(rows)


def rows_to_xlsx(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("clients")
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
