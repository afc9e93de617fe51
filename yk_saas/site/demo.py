"""Demo content of the firm's site: a published home page with sections, pages and news."""

from datetime import timedelta

from sqlalchemy import select

from tenants import current_tenant, db
from yk_saas.accounts.models import User
from yk_saas.desk.services import update_firm_settings
from yk_saas.models_base import utcnow
from yk_saas.site import services

CONTENT = {
    "zh_CN": {
        "about": (
            "关于我们",
            "<p>我们是一家专注中小企业的代理记账公司，提供记账报税、工商注册、社保公积金等一站式服务。</p>",
        ),
        "promise": (
            "我们的承诺",
            "<ul><li>专属会计一对一服务</li><li>每月按时申报，零逾期</li><li>账目清晰，随时在线查看</li></ul>",
        ),
        "page": (
            "服务价格",
            "<p>小规模纳税人代理记账：每月 300 元起。</p><p>一般纳税人代理记账：每月 600 元起。</p>",
        ),
        "news": [
            ("五一假期办公安排", "<p>5 月 1 日至 5 日休息，5 月 6 日正常上班。</p>"),
            ("个税汇算清缴提醒", "<p>请于 6 月 30 日前完成年度个人所得税汇算。</p>"),
        ],
        "menu": [("关于我们", "/p/about"), ("服务价格", "/p/pricing"), ("登录", "/login")],
        "contact": {
            "phone": "0571-8888 6666",
            "email": "service@mingda.example.com",
            "address": "杭州市西湖区文三路 188 号 8 楼",
        },
    },
    "en": {
        "about": (
            "About us",
            "<p>We keep the books, file the taxes and register the companies of small businesses.</p>",
        ),
        "promise": (
            "Our promise",
            "<ul><li>A dedicated accountant</li><li>Every filing on time</li><li>Your books online, always</li></ul>",
        ),
        "page": (
            "Pricing",
            "<p>Small-scale taxpayers: from CNY 300 a month.</p><p>General taxpayers: from CNY 600 a month.</p>",
        ),
        "news": [
            ("Holiday office hours", "<p>Closed 1–5 May, open again on 6 May.</p>"),
            (
                "Annual individual income tax",
                "<p>Please finish the annual reconciliation by 30 June.</p>",
            ),
        ],
        "menu": [("About us", "/p/about"), ("Pricing", "/p/pricing"), ("Sign in", "/login")],
        "contact": {
            "phone": "+852 2100 8800",
            "email": "hello@hengxin.example.com",
            "address": "18 Harbour Road, Wan Chai, Hong Kong",
        },
    },
}


def populate_site(demo) -> None:
    """Sections, two pages, a menu and announcements, published by the owner."""
    text = CONTENT.get(demo.locale, CONTENT["en"])
    services.save_section(None, "about", *text["about"])
    services.save_section(None, "recommended", "", "")
    services.save_section(None, "announcements", "", "")
    services.save_section(None, "rich_text", *text["promise"])
    services.save_section(None, "contact", "", "")
    firm = current_tenant()
    update_firm_settings(firm.name, firm.locale, firm.timezone, text["contact"])
    services.save_page(None, "about", *text["about"])
    services.save_page(None, "pricing", *text["page"])
    for label, url in text["menu"]:
        services.add_menu_item(label, url, None)
    for days, (title, body) in enumerate(text["news"]):
        services.add_announcement(title, body, utcnow() - timedelta(days=days + 1), None)
    owner = db.session.scalar(select(User).where(User.role == "owner").order_by(User.id).limit(1))
    services.publish(owner)
    db.session.commit()  # populators commit their own work: the demo firm's session ends after them
