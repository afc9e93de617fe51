"""Work's services as one import for its views and for other features.

The logic lives in ``claims`` (the claim pool from entry to exit), ``items``
(filing, visibility, progress), ``ratings`` and ``settings``; this module only
names what the rest of the app may call. Services flush; the caller's request,
job or command commits.
"""

from yk_saas.work.claims import (
    apply_timeout,
    assign_items,
    claim_item,
    decide_approval,
    due_item_ids,
    on_duty_accountant_ids,
    sweep_timeouts_and_stale_work,
)
from yk_saas.work.errors import WorkError
from yk_saas.work.items import (
    can_work_on,
    check_transition,
    create_order,
    create_request,
    get_visible_file,
    get_visible_item,
    handler_id,
    handler_names,
    item_files,
    post_progress,
    post_reply,
    timeline,
    visible_condition,
    visible_items_query,
)
from yk_saas.work.models import TRANSITIONS
from yk_saas.work.ratings import can_edit, rate_item, rating_of
from yk_saas.work.settings import (
    availability_of,
    capacity_of,
    eligible_staff,
    get_settings,
    is_on_duty,
    open_count,
    set_capacity,
    set_on_duty,
    staff_load,
    update_settings,
)

__all__ = [
    "TRANSITIONS",
    "WorkError",
    "apply_timeout",
    "assign_items",
    "availability_of",
    "can_edit",
    "can_work_on",
    "capacity_of",
    "check_transition",
    "claim_item",
    "create_order",
    "create_request",
    "decide_approval",
    "due_item_ids",
    "eligible_staff",
    "get_settings",
    "get_visible_file",
    "get_visible_item",
    "handler_id",
    "handler_names",
    "is_on_duty",
    "item_files",
    "on_duty_accountant_ids",
    "open_count",
    "post_progress",
    "post_reply",
    "rate_item",
    "rating_of",
    "set_capacity",
    "set_on_duty",
    "staff_load",
    "sweep_timeouts_and_stale_work",
    "timeline",
    "update_settings",
    "visible_condition",
    "visible_items_query",
]
