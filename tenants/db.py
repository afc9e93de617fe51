"""The SQLAlchemy handle shared by the registry and every firm's tables."""

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

#: Placeholder schema of firm tables. It is never created in the database, so
#: a statement that reaches PostgreSQL untranslated fails instead of leaking.
TENANT_SCHEMA = "tenant"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class TenantModel(db.Model):
    """Base of every table that lives in a firm's own schema."""

    __abstract__ = True
    # A subclass that sets its own __table_args__ must end it with tenant_args().
    __table_args__ = {"schema": TENANT_SCHEMA}


def tenant_args(*constraints):
    """``__table_args__`` for a firm table with extra constraints or indexes."""
    return (*constraints, {"schema": TENANT_SCHEMA})


def tenant_tables():
    """Firm tables in dependency order, as provisioning creates them."""
    return [t for t in db.metadata.sorted_tables if t.schema == TENANT_SCHEMA]


def public_tables():
    """Registry tables of the ``public`` schema."""
    return [t for t in db.metadata.sorted_tables if t.schema == "public"]
