"""Writes on sponsorship: sponsors, programs and their status flow, enrollment, billing runs, payments,
reconciliation and claims. Each action checks the actor's role and region scope, validates, writes in one
transaction and appends to the audit log. Views, API and command line call these and nothing else.

One topic a module: ``programs`` (sponsors, programs, status flow, renewal), ``enrollment`` (enrolling, ending an
enrollment, eligibility), ``billing`` (month prices and quotes, billing runs, a bill's submission), ``payments``
(payments, the payment file, reconciliation), ``claims`` (claims, the claims file, the heirs hook) and ``_common``
(what several share). This package re-exports their public names, so ``from paritrana.sponsorship.actions import
do_enroll`` keeps working; the modules import each other directly, never through this package. The reads that
choose workers (``eligible_workers``, ``renewal_candidates``) live in ``sponsorship.queries``."""

from paritrana.sponsorship.actions._common import _read_columns as _read_columns
from paritrana.sponsorship.actions.billing import (
    BillingResult,
    MonthQuote,
    bill_number,
    do_run_billing,
    do_submit_bill,
    month_price,
    month_quote,
    period_cost,
    program_funder,
)
from paritrana.sponsorship.actions.claims import (
    CLAIM_COLUMNS,
    DEATH_CLAIMS,
    ClaimImportResult,
    HeirsRecorder,
    covering_enrollment,
    do_import_claims,
    do_record_claim,
    expected_benefit,
    on_claim_heirs,
)
from paritrana.sponsorship.actions.enrollment import (
    EnrollResult,
    Refusal,
    do_end_enrollment,
    do_enroll,
    eligibility_problem,
)
from paritrana.sponsorship.actions.payments import (
    PAYMENT_COLUMNS,
    PaymentImportResult,
    do_import_payments,
    do_reconcile_bill,
    do_record_payment,
)
from paritrana.sponsorship.actions.programs import (
    CHANGEABLE_WHEN_OPEN,
    PROGRAM_FIELDS,
    SPONSOR_LEVEL,
    do_advance_program,
    do_create_program,
    do_create_sponsor,
    do_renew_program,
    do_update_program,
)

__all__ = [
    "CHANGEABLE_WHEN_OPEN",
    "CLAIM_COLUMNS",
    "DEATH_CLAIMS",
    "PAYMENT_COLUMNS",
    "PROGRAM_FIELDS",
    "SPONSOR_LEVEL",
    "BillingResult",
    "ClaimImportResult",
    "EnrollResult",
    "HeirsRecorder",
    "MonthQuote",
    "PaymentImportResult",
    "Refusal",
    "bill_number",
    "covering_enrollment",
    "do_advance_program",
    "do_create_program",
    "do_create_sponsor",
    "do_end_enrollment",
    "do_enroll",
    "do_import_claims",
    "do_import_payments",
    "do_reconcile_bill",
    "do_record_claim",
    "do_record_payment",
    "do_renew_program",
    "do_run_billing",
    "do_submit_bill",
    "do_update_program",
    "eligibility_problem",
    "expected_benefit",
    "month_price",
    "month_quote",
    "on_claim_heirs",
    "period_cost",
    "program_funder",
]
