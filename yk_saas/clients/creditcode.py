"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

18 characters from a 31-character alphabet (digits and capitals without I, O,
Z, S, V): registration authority, entity type, the 6-digit administrative
division, the 9-character organisation code, and a check character computed
from the first 17 with weights 3^i mod 31.
"""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
VALUES = {char: index for index, char in enumerate(ALPHABET)}


class CreditCodeError(ValueError):
    """Why a code is not a valid unified social credit code (an untranslated reason key)."""


def check_character(first17: str) -> str:
    """The 18th character that completes ``first17``."""
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(text: str | None) -> str:
    """Upper-case without spaces; an empty value stays empty."""
    return "".join((text or "").split()).upper()


def validate_credit_code(text: str) -> str:
    """The normalised code, or raise ``CreditCodeError`` with "length", "characters" or "check"."""
    code = normalize_credit_code(text)
    if len(code) != 18:
        raise CreditCodeError("length")
    if any(char not in VALUES for char in code) or not code[2:8].isdigit():
        raise CreditCodeError("characters")
    if check_character(code[:17]) != code[17]:
        raise CreditCodeError("check")
    return code


def is_valid_credit_code(text: str) -> bool:
    try:
        validate_credit_code(text)
    except CreditCodeError:
        return False
    return True
