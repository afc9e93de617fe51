"""Demo content of the firm's site: a published home page with slides, sections, service
categories, pages, news and a contact block — what a finished site looks like."""

import io
import struct
import zlib
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tenants import current_tenant, db
from yk_saas.accounts.models import User
from yk_saas.desk.services import update_firm_settings
from yk_saas.files.services import IMAGES, MB, save_upload
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
        "slides": [
            ("一站式代理记账", "专属会计一对一，账目随时在线查看", "/p/about"),
            ("个税汇算季", "6 月 30 日前完成年度汇算，我们替您算清每一笔", "/p/pricing"),
            ("新公司注册", "从核名到领执照，最快 3 个工作日", "/p/pricing"),
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
        "slides": [
            ("Books kept, taxes filed", "A dedicated accountant and your books online", "/p/about"),
            ("Profits tax season", "Returns prepared and filed before the deadline", "/p/pricing"),
            ("Start a company", "Registration, bank account and first filings", "/p/pricing"),
        ],
        "menu": [("About us", "/p/about"), ("Pricing", "/p/pricing"), ("Sign in", "/login")],
        "contact": {
            "phone": "+852 2100 8800",
            "email": "hello@hengxin.example.com",
            "address": "18 Harbour Road, Wan Chai, Hong Kong",
        },
    },
}

#: (top, bottom) colours of each demo slide's banner.
SLIDE_COLOURS = [
    ((29, 95, 209), (15, 47, 102)),
    ((12, 122, 96), (6, 60, 48)),
    ((176, 84, 28), (92, 38, 10)),
]


def banner_png(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> bytes:
    """A 1200×400 PNG banner fading from ``top`` to ``bottom`` with a lighter diagonal band."""
    width, height = 1200, 400
    rows = []
    for y in range(height):
        mix = y / (height - 1)
        base = bytes(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True))
        light = bytes(min(255, c + 28) for c in base)
        start = max(0, 700 - y)
        band = min(width, start + 220) - start
        rows.append(b"\x00" + base * start + light * band + base * (width - start - band))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def populate_site(demo) -> None:
    """Slides, sections, two pages, a menu and announcements, published by the owner."""
    text = CONTENT.get(demo.locale, CONTENT["en"])
    services.save_section(None, "about", *text["about"])
    services.save_section(None, "recommended", "", "")
    services.save_section(None, "announcements", "", "")
    services.save_section(None, "rich_text", *text["promise"])
    services.save_section(None, "categories", "", "")
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
    for number, ((title, subtitle, link), colours) in enumerate(
        zip(text["slides"], SLIDE_COLOURS, strict=False), start=1
    ):
        image = save_upload(
            FileStorage(io.BytesIO(banner_png(*colours)), filename=f"slide-{number}.png"),
            allowed=IMAGES,
            max_bytes=5 * MB,
            owner_type="site_slide",
            owner_id=None,
            uploaded_by_id=owner.id,
        )
        services.add_slide(image, title, subtitle, link, None, None)
    services.publish(owner)
    db.session.commit()  # populators commit their own work: the demo firm's session ends after them
