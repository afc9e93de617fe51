"""The tenancy layer: one PostgreSQL schema per firm.

The registry of firms and their domains lives in the ``public`` schema. Firm
tables are declared in the placeholder schema ``tenant``, which never exists
in the database; every unit of work runs on a connection whose
``schema_translate_map`` points the placeholder at the bound firm's schema.
With no firm bound, every query on a firm table fails: the layer fails closed.
"""

from tenants.binding import TenantNotBound, bound_schema, current_tenant, tenant_context
from tenants.db import TENANT_SCHEMA, TenantModel, db
from tenants.models import Domain, Tenant, TenantInfo
from tenants.naming import InvalidSchemaName, schema_for_slug, validate_schema_name

__all__ = [
    "TENANT_SCHEMA",
    "Domain",
    "InvalidSchemaName",
    "Tenant",
    "TenantInfo",
    "TenantModel",
    "TenantNotBound",
    "bound_schema",
    "current_tenant",
    "db",
    "schema_for_slug",
    "tenant_context",
    "validate_schema_name",
]
