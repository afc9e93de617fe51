"""Chinese and English: every message translated, the user's choice wins over the firm's."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from i18n_update import catalogue_paths, extract_catalog, read_catalogue


def test_every_message_in_code_and_templates_has_a_chinese_translation():
    translated = {}
    for path in catalogue_paths().values():
        translated.update({m.id: m.string for m in read_catalogue(path) if m.id and m.string})
    missing = sorted(m.id for m in extract_catalog() if m.id and not translated.get(m.id))
    assert missing == [], "run scripts/i18n_update.py and translate: " + repr(missing[:20])


def test_firm_default_language_then_the_users_choice(firm_a, host_client):
    client = host_client(firm_a["host"])
    assert "登录" in client.get("/login").get_data(as_text=True)  # firm default zh_CN
    client.post("/lang", {"locale": "en", "next": "/login"})
    assert "Sign in to" in client.get("/login").get_data(as_text=True)


def test_the_language_switch_only_redirects_within_the_site(firm_a, host_client):
    response = host_client(firm_a["host"]).post(
        "/lang", {"locale": "en", "next": "https://evil.example.com"}
    )
    assert response.headers["Location"] == "/"
