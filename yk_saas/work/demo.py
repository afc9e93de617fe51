"""Demo content: a catalog and work in every state, in the demo firm's language."""

from datetime import timedelta

from tenants import db
from yk_saas.accounts.services import find_user_by_email
from yk_saas.catalog.services import save_category, save_service
from yk_saas.models_base import utcnow
from yk_saas.work import services
from yk_saas.work.models import DEFAULT_REQUEST_TYPES

CATALOG = {
    "zh_CN": {
        "工商服务": [
            ("公司注册", 99900, "one_off", "<p>从核名到领取营业执照，全程代办。</p>"),
            ("地址变更", 59900, "one_off", "<p>注册地址变更登记与税务信息同步。</p>"),
        ],
        "财税服务": [
            (
                "小规模纳税人代理记账",
                30000,
                "monthly",
                "<p>每月记账、报税，<strong>零申报也按时</strong>。</p>",
            ),
            (
                "一般纳税人代理记账",
                80000,
                "monthly",
                "<ul><li>进销项管理</li><li>月度报表</li></ul>",
            ),
            ("年度汇算清缴", 150000, "yearly", "<p>企业所得税年度汇算清缴及年报公示。</p>"),
        ],
    },
    "en": {
        "Company services": [
            (
                "Company registration",
                99900,
                "one_off",
                "<p>Name check to business licence, done for you.</p>",
            ),
            (
                "Registered address change",
                59900,
                "one_off",
                "<p>Address change filed and synced with the tax bureau.</p>",
            ),
        ],
        "Tax and bookkeeping": [
            (
                "Small-scale taxpayer bookkeeping",
                30000,
                "monthly",
                "<p>Monthly books and returns, <strong>on time</strong>.</p>",
            ),
            (
                "General taxpayer bookkeeping",
                80000,
                "monthly",
                "<ul><li>VAT in and out</li><li>Monthly reports</li></ul>",
            ),
            (
                "Annual tax reconciliation",
                150000,
                "yearly",
                "<p>Corporate income tax reconciliation and annual report.</p>",
            ),
        ],
    },
}
REQUESTS = {
    "zh_CN": [
        ("申请增值税专用发票", "税务发票"),
        ("第三季度纳税申报", "纳税申报"),
        ("营业执照年检资料", "营业执照"),
    ],
    "en": [
        ("Issue a VAT special invoice", "Tax invoices"),
        ("Q3 tax filing", "Tax filing"),
        ("Business licence annual check", "Business licence"),
    ],
}
PROGRESS = {
    "zh_CN": [
        "已收到资料，正在处理。",
        "请补充上月银行流水。",
        "已提交税务局，等待回执。",
        "已完成，回执已上传。",
    ],
    "en": [
        "Papers received, working on it.",
        "Please send last month's bank statement.",
        "Filed with the tax bureau, waiting for the receipt.",
        "Done, the receipt is attached.",
    ],
}


def populate_catalog(lang: str) -> list[int]:
    service_ids = []
    for order, (category_name, items) in enumerate(CATALOG[lang].items()):
        category = save_category(category_name, order)
        for position, (name, price, cycle, html) in enumerate(items):
            service = save_service(
                {
                    "name": name,
                    "category_id": category.id,
                    "description": html,
                    "price_cents": price,
                    "currency": "CNY",
                    "billing_cycle": cycle,
                    "published": True,
                    "recommended": position == 0,
                    "sort_order": position,
                }
            )
            service_ids.append(service.id)
    return service_ids


def populate_work(demo) -> None:
    """Orders and requests in every state, with progress and a rating."""
    lang = "zh_CN" if demo.locale == "zh_CN" else "en"
    settings = services.get_settings()
    settings.request_types = list(DEFAULT_REQUEST_TYPES[lang])
    db.session.commit()
    service_ids = populate_catalog(lang)
    clients = [find_user_by_email(people[0][0]) for people in demo.companies.values()]
    accountant = find_user_by_email(demo.accountants[0][0])
    notes = PROGRESS[lang]
    start = utcnow() - timedelta(days=6)
    done = services.create_order(clients[0], service_ids[2], urgency="normal", now=start)
    services.claim_item(done.id, accountant, now=start + timedelta(minutes=20))
    for step, (note, state) in enumerate(
        zip(notes, ("in_progress", "waiting_on_client", None, "done"))
    ):
        item = services.get_visible_item(accountant, done.id)
        if state is None:
            services.post_reply(
                item, clients[0], notes[1].rstrip("。.") + " ✓", now=start + timedelta(days=step)
            )
            item = services.get_visible_item(accountant, done.id)
            state = "in_progress"
        services.post_progress(
            item, accountant, note, state, now=start + timedelta(days=step, hours=2)
        )
    services.rate_item(
        services.get_visible_item(accountant, done.id),
        clients[0],
        "good",
        5,
        4,
        5,
        notes[3],
        now=start + timedelta(days=4),
    )
    requests = REQUESTS[lang]
    working = services.create_request(
        clients[1 % len(clients)],
        requests[0][0],
        requests[0][1],
        notes[0],
        "urgent",
        now=utcnow() - timedelta(hours=5),
    )
    services.claim_item(working.id, accountant, now=utcnow() - timedelta(hours=4))
    services.post_progress(
        services.get_visible_item(accountant, working.id),
        accountant,
        notes[1],
        "waiting_on_client",
        now=utcnow() - timedelta(hours=3),
    )
    for title, kind in requests[1:]:
        services.create_request(clients[-1], title, kind, "", "normal")
    services.create_order(clients[-1], service_ids[0], urgency="low")
    db.session.commit()  # a demo populator commits its own work (yk_saas.demo)
