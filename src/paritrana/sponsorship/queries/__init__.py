"""Reads on sponsorship, one module per topic, all importable from here:

- ``scoped``: the sponsors, programs, enrollments, bills, payments and claims a user may see;
  the workers a program may enroll;
- ``coverage``: a worker's coverage month by month (one rule, in Python and in SQL);
- ``dashboards``: what each role must act on, as counts from aggregate queries;
- ``budget``: monev per program and fiscal year (pagu, committed, billed, paid, serapan, forecast);
- ``overpayments``: bill lines for months after a worker's death;
- ``bills``: the bill page and the exchange with the BPJS branch.
"""

from paritrana.sponsorship.queries.bills import BillState as BillState
from paritrana.sponsorship.queries.bills import bill_lines as bill_lines
from paritrana.sponsorship.queries.bills import bill_payments as bill_payments
from paritrana.sponsorship.queries.bills import bill_state as bill_state
from paritrana.sponsorship.queries.bills import differences_for as differences_for
from paritrana.sponsorship.queries.bills import get_difference as get_difference
from paritrana.sponsorship.queries.bills import get_reconcile_run as get_reconcile_run
from paritrana.sponsorship.queries.bills import metric_figures as metric_figures
from paritrana.sponsorship.queries.bills import reconcile_runs_for as reconcile_runs_for
from paritrana.sponsorship.queries.budget import EARLIER_YEARS as EARLIER_YEARS
from paritrana.sponsorship.queries.budget import Monev as Monev
from paritrana.sponsorship.queries.budget import MonevRow as MonevRow
from paritrana.sponsorship.queries.budget import MonthRow as MonthRow
from paritrana.sponsorship.queries.budget import default_fiscal_year as default_fiscal_year
from paritrana.sponsorship.queries.budget import monev as monev
from paritrana.sponsorship.queries.budget import monev_row as monev_row
from paritrana.sponsorship.queries.budget import monev_rows as monev_rows
from paritrana.sponsorship.queries.budget import monev_years as monev_years
from paritrana.sponsorship.queries.budget import region_label as region_label
from paritrana.sponsorship.queries.coverage import coverage_of_month as coverage_of_month
from paritrana.sponsorship.queries.coverage import coverage_status as coverage_status
from paritrana.sponsorship.queries.coverage import covered_expr as covered_expr
from paritrana.sponsorship.queries.coverage import lapse_alerts as lapse_alerts
from paritrana.sponsorship.queries.coverage import worker_coverage as worker_coverage
from paritrana.sponsorship.queries.coverage import worker_page as worker_page
from paritrana.sponsorship.queries.dashboards import ENDING_WITHIN_MONTHS as ENDING_WITHIN_MONTHS
from paritrana.sponsorship.queries.dashboards import BpjsTodo as BpjsTodo
from paritrana.sponsorship.queries.dashboards import DeathToConfirm as DeathToConfirm
from paritrana.sponsorship.queries.dashboards import OperatorTodo as OperatorTodo
from paritrana.sponsorship.queries.dashboards import ProgramMonth as ProgramMonth
from paritrana.sponsorship.queries.dashboards import Tally as Tally
from paritrana.sponsorship.queries.dashboards import VillageCoverage as VillageCoverage
from paritrana.sponsorship.queries.dashboards import bpjs_todo as bpjs_todo
from paritrana.sponsorship.queries.dashboards import operator_todo as operator_todo
from paritrana.sponsorship.queries.dashboards import village_coverage as village_coverage
from paritrana.sponsorship.queries.overpayments import OVERPAYMENT_COLUMNS as OVERPAYMENT_COLUMNS
from paritrana.sponsorship.queries.overpayments import overpayment_lines as overpayment_lines
from paritrana.sponsorship.queries.overpayments import overpayments as overpayments
from paritrana.sponsorship.queries.scoped import SPONSOR_FIELD as SPONSOR_FIELD
from paritrana.sponsorship.queries.scoped import bills_for as bills_for
from paritrana.sponsorship.queries.scoped import claims_for as claims_for
from paritrana.sponsorship.queries.scoped import eligible_workers as eligible_workers
from paritrana.sponsorship.queries.scoped import enrollment_candidates as enrollment_candidates
from paritrana.sponsorship.queries.scoped import enrollments_for as enrollments_for
from paritrana.sponsorship.queries.scoped import get_bill as get_bill
from paritrana.sponsorship.queries.scoped import get_enrollment as get_enrollment
from paritrana.sponsorship.queries.scoped import get_program as get_program
from paritrana.sponsorship.queries.scoped import get_sponsor as get_sponsor
from paritrana.sponsorship.queries.scoped import made_or_changed_by as made_or_changed_by
from paritrana.sponsorship.queries.scoped import payments_for as payments_for
from paritrana.sponsorship.queries.scoped import plan as plan
from paritrana.sponsorship.queries.scoped import programs_for as programs_for
from paritrana.sponsorship.queries.scoped import renewal_candidates as renewal_candidates
from paritrana.sponsorship.queries.scoped import sponsors_for as sponsors_for
from paritrana.sponsorship.queries.scoped import village_needs as village_needs
from paritrana.sponsorship.queries.scoped import workers_in_list as workers_in_list
