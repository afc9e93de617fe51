"""Client companies of a firm: the small businesses whose books it keeps."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantModel
from yk_saas.models_base import created_at_column


class ClientCompany(TenantModel):
    """A company the firm serves; its people sign in as client users."""

    __tablename__ = "client_companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The accountant who looks after this client (a staff user), if any.
    dedicated_accountant_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL", use_alter=True), index=True
    )
    created_at: Mapped[datetime] = created_at_column()
