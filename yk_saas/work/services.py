"""The business logic of work items, in one import for views and other features."""

from yk_saas.work.claims import (  # noqa: F401
    apply_timeout,
    assign_items,
    claim_item,
    decide_approval,
    due_item_ids,
    on_duty_accountant_ids,
    sweep,
)
from yk_saas.work.items import (  # noqa: F401
    TRANSITIONS,
    can_work_on,
    check_transition,
    create_order,
    create_request,
    get_visible_item,
    item_files,
    post_progress,
    post_reply,
    timeline,
    visible_condition,
    visible_file,
)
from yk_saas.work.ratings import can_edit, rate_item, rating_of  # noqa: F401
from yk_saas.work.settings import (  # noqa: F401
    WorkError,
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
