"""The catalogues of the features are merged into one: a sentence must have one translation."""

from pathlib import Path

from babel.messages.pofile import read_po

from yk_saas.i18n_compile import translation_directories


def test_no_sentence_is_translated_two_ways_by_two_catalogues():
    seen: dict[str, dict[str, list[str]]] = {}
    for folder in translation_directories():
        for po_path in folder.glob("*/LC_MESSAGES/messages.po"):
            with po_path.open("rb") as po_file:
                for message in read_po(po_file):
                    if not message.id or not message.string:
                        continue
                    msgid = message.id if isinstance(message.id, str) else message.id[0]
                    text = message.string if isinstance(message.string, str) else message.string[0]
                    where = str(po_path.relative_to(Path(folder).parents[1]))
                    seen.setdefault(msgid, {}).setdefault(text, []).append(where)
    twice = {msgid: texts for msgid, texts in seen.items() if len(texts) > 1}
    assert not twice, twice
