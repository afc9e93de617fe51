"""Tests that read English labels: the person signs in and picks English (as a user would)."""

import pytest


@pytest.fixture
def signed_in(signed_in):
    """Like conftest's ``signed_in``, with the interface switched to English for that person."""

    def sign_in_in_english(firm, who):
        client = signed_in(firm, who)
        client.post("/lang", {"locale": "en", "next": "/"})
        return client

    return sign_in_in_english
