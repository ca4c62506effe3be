"""Writes on follow-up: asistensi and monev sessions (with their budget snapshot), findings and their status with
history, the heirs of a death claim, the children's scholarship disbursements and training referrals.

Each action checks the actor's capability and region scope, validates (every refusal names its field), writes in one
transaction and appends to the audit log. Views, API and command line call these and nothing else.

The package: ``sessions``, ``findings``, ``heirs``, ``scholarships``, ``referrals``, what they share in ``_common``.
"""

from paritrana.followup.actions._common import DEATH_KINDS
from paritrana.followup.actions.findings import do_add_finding, do_change_finding_status, do_update_finding
from paritrana.followup.actions.heirs import (
    BY_AGE,
    MAX_HEIRS,
    do_add_heir,
    do_record_claim_with_heirs,
    record_claim_heirs,
)
from paritrana.followup.actions.referrals import do_record_referral_outcome, do_refer_to_training
from paritrana.followup.actions.scholarships import (
    child_schedule,
    do_flag_scholarship_child,
    do_record_disbursement,
    do_update_scholarship_child,
)
from paritrana.followup.actions.sessions import budget_snapshot, do_create_session

__all__ = [
    "BY_AGE",
    "MAX_HEIRS",
    "budget_snapshot",
    "record_claim_heirs",
    "DEATH_KINDS",
    "child_schedule",
    "do_add_finding",
    "do_add_heir",
    "do_change_finding_status",
    "do_create_session",
    "do_flag_scholarship_child",
    "do_record_claim_with_heirs",
    "do_record_disbursement",
    "do_record_referral_outcome",
    "do_refer_to_training",
    "do_update_finding",
    "do_update_scholarship_child",
]
