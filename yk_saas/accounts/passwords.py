"""Password hashing (Argon2id) and the strength rule."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

_hasher = PasswordHasher()

MIN_LENGTH = 10
COMMON = frozenset(
    [
        "password",
        "password1",
        "password123",
        "1234567890",
        "12345678910",
        "qwertyuiop",
        "1q2w3e4r5t",
        "abcdefghij",
        "iloveyou123",
        "adminadmin",
        "administrator",
        "welcome123",
        "passw0rd123",
    ]
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is too weak, as a message for the user, or None."""
    if len(password) < MIN_LENGTH:
        return str(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > 128:
        return str(_l("Use at most 128 characters."))
    if password.lower() in COMMON or len(set(password)) < 4:
        return str(_l("This password is too easy to guess."))
    if password.isdigit() or password.isalpha():
        return str(_l("Mix letters with digits or symbols."))
    if email and password.lower() == email.lower():
        return str(_l("The password must not be your e-mail address."))
    return None


# A hash to verify against when the account does not exist, so that a wrong
# address takes as long as a wrong password.
DUMMY_HASH = hash_password("not-a-real-account-password-1")
