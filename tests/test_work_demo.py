"""The demo firms get a catalog and work in several states, in their own language."""

from sqlalchemy import func, select

from tenants import db
from tests.support.work import firm


def test_demo_firms_have_a_catalog_and_work_in_several_states(app):
    from yk_saas.catalog.models import ServiceItem
    from yk_saas.demo import seed_demo
    from yk_saas.work.models import Rating, WorkEntry, WorkItem

    with app.app_context():
        seed_demo()
    for slug, service_name in (("mingda", "公司注册"), ("hengxin", "Company registration")):
        with firm(app, slug):
            names = db.session.scalars(select(ServiceItem.name)).all()
            assert service_name in names and len(names) >= 5
            states = set(db.session.scalars(select(WorkItem.state)))
            assert {"new", "waiting_on_client", "done"} <= states
            assert db.session.scalar(select(func.count(Rating.id))) == 1
            assert (
                db.session.scalar(
                    select(func.count(WorkEntry.id)).where(WorkEntry.kind == "progress")
                )
                >= 4
            )
