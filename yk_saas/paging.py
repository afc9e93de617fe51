"""One way to page through a list that grows with the data: a bounded ``page`` argument and
Flask-SQLAlchemy's pagination, shown by ``templates/components/_pager.html``."""

from tenants import db
from yk_saas.bounded import arg_page


def page_of(query, per_page: int, page: int | None = None, param: str = "page"):
    """One page of the ``select`` ``query``; a page past the end is empty, never an error.

    ``param`` names the query argument when a page shows more than one list.
    """
    return db.paginate(
        query,
        page=page or arg_page(param),
        per_page=per_page,
        max_per_page=per_page,
        error_out=False,
    )
