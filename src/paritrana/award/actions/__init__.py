"""Writes of the award, in the order of its workflow: edition and categories -> invitation -> self-assessment and
evidence -> verification -> indicator values -> panel, conflicts and jury scores -> lock -> decisions on missing
values -> saved results -> approval (after which nothing changes) -> publication; and the award zones.

Every action checks the role and region first, writes in one transaction and audits. A refused attempt (after the
deadline, after the lock, a conflicted judge, a score off the scale...) is also written to the audit log, with the
reason, before the error reaches the person (``_refusals_audited``). An action on a category locks the category's
row first and reads its state afresh (``_fresh``): two committee members, or a judge and the committee, acting at
once are served one after the other, and the second sees what the first committed. The stage transitions run
their check list (``award.checks``) inside the same transaction; a failing check needs a reason, which is audited.

The package: ``editions``, ``categories``, ``zones``, ``assessment``, ``jury``, ``results``, what they share in
``_common``.
"""

# ``__all__`` names the actions (a test enumerates them); the helpers re-exported "as" themselves are reads and
# checks that pages, the API and the sheets use.
from paritrana.award.actions._common import check_scope as check_scope
from paritrana.award.actions._common import version_of as version_of
from paritrana.award.actions.assessment import (
    do_compute_indicator_values,
    do_save_answer,
    do_submit,
    do_upload_evidence,
    do_verify,
)
from paritrana.award.actions.assessment import (
    evidence_needed as evidence_needed,
)
from paritrana.award.actions.assessment import (
    missing_items as missing_items,
)
from paritrana.award.actions.assessment import (
    shown_answer as shown_answer,
)
from paritrana.award.actions.categories import do_invite, do_save_category
from paritrana.award.actions.editions import (
    back_check as back_check,
)
from paritrana.award.actions.editions import (
    do_approve,
    do_create_edition,
    do_publish,
    do_set_edition_status,
    do_set_scoring_deadline,
)
from paritrana.award.actions.jury import (
    do_add_panel_member,
    do_declare_conflict,
    do_lock_panel,
    do_score,
    do_withdraw_conflict,
)
from paritrana.award.actions.jury import (
    inputs_open as inputs_open,
)
from paritrana.award.actions.jury import (
    scorable as scorable,
)
from paritrana.award.actions.results import RESOLUTIONS as RESOLUTIONS
from paritrana.award.actions.results import do_resolve_missing, do_save_results
from paritrana.award.actions.zones import do_delete_zone, do_save_zone

__all__ = [
    "do_add_panel_member",
    "do_approve",
    "do_compute_indicator_values",
    "do_create_edition",
    "do_declare_conflict",
    "do_delete_zone",
    "do_invite",
    "do_lock_panel",
    "do_publish",
    "do_resolve_missing",
    "do_save_answer",
    "do_save_category",
    "do_save_results",
    "do_save_zone",
    "do_score",
    "do_set_edition_status",
    "do_set_scoring_deadline",
    "do_submit",
    "do_upload_evidence",
    "do_verify",
    "do_withdraw_conflict",
]
