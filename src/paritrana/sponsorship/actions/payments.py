"""Payments: recording money received (unknown bill numbers kept unmatched), importing a payment file, and the
BPJS officer's reconciliation of a bill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.utils.translation import gettext

from paritrana.core import audit
from paritrana.core.dates import today
from paritrana.core.errors import N_, Conflict, InvalidInput, OutOfRange, ParitranaError
from paritrana.core.money import parse_amount, to_rupiah
from paritrana.core.permissions import require
from paritrana.core.sheets import date_expr
from paritrana.sponsorship.actions._common import _read_columns, _user
from paritrana.sponsorship.actions.billing import _move_bill
from paritrana.sponsorship.choices import BillStatus, PaymentSource
from paritrana.sponsorship.models import Bill, Payment


def _settle(bill: Bill) -> None:
    """Recompute what was paid on ``bill`` and the day it was paid in full, from all its payments."""
    total = Decimal(0)
    paid_on = None
    for payment in bill.payments.order_by("paid_on", "pk"):
        total += payment.amount
        if paid_on is None and total >= bill.amount:
            paid_on = payment.paid_on
    bill.paid, bill.paid_on = total, paid_on
    if bill.status in (BillStatus.PENDING, BillStatus.PAID):
        bill.status = BillStatus.PAID if paid_on else BillStatus.PENDING
    bill.save(update_fields=["paid", "paid_on", "status"])


def _payment_region(bill: Bill | None, actor: Any) -> str:
    if bill is not None:
        return bill.program.sponsor.region_code
    scope = require(actor, "payments.record")
    return "" if scope.national else sorted(scope.codes)[0]


def do_record_payment(
    *, actor: Any, bill_number: str, reference: str, paid_on: date, amount: Any, source: str = PaymentSource.MANUAL
) -> Payment:
    """Record money received. An unknown bill number is kept unmatched (shown for matching), never dropped."""
    amount = to_rupiah(amount, field="amount")
    if amount <= 0:
        raise OutOfRange(field="amount", minimum=1, maximum="-", value=int(amount))
    if source not in PaymentSource.values:
        raise InvalidInput(field="source", value=source)
    if not reference.strip():
        raise InvalidInput(N_("Give the receipt or transfer reference."), field="reference")
    if paid_on > today():
        raise InvalidInput(N_("The payment date {value} is in the future."), field="paid_on", value=paid_on.isoformat())
    bill = Bill.objects.select_related("program__sponsor").filter(number=bill_number.strip()).first()
    region = _payment_region(bill, actor)
    require(actor, "payments.record", region or None)
    with transaction.atomic():
        if Payment.objects.filter(source=source, reference=reference.strip()).exists():
            raise Conflict(N_("The payment {reference} was already recorded."), field="reference", reference=reference)
        payment = Payment.objects.create(
            bill=bill,
            bill_number=bill_number.strip(),
            reference=reference.strip(),
            paid_on=paid_on,
            amount=amount,
            source=source,
            region_code=region,
            created_by=_user(actor),
        )
        if bill is not None:
            locked = Bill.objects.select_for_update().get(pk=bill.pk)
            _settle(locked)
        audit.record(actor=actor, action="payment.record", obj=payment, region_code=region, after=payment)
    return payment


@dataclass
class PaymentImportResult:
    rows: int
    matched: int
    unknown: list[dict[str, Any]]
    partial: list[str]
    overpaid: list[str]
    duplicates: list[dict[str, Any]]
    errors: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "matched": self.matched,
            "unknown": self.unknown,
            "partial": self.partial,
            "overpaid": self.overpaid,
            "duplicates": self.duplicates,
            "errors": self.errors,
        }


PAYMENT_COLUMNS = {
    "bill_number": ("nomor tagihan", "no tagihan", "bill number", "bill", "tagihan", "nomor_tagihan", "bill_number"),
    "reference": ("referensi", "reference", "no referensi", "nomor bukti", "no bukti", "receipt", "kwitansi"),
    "paid_on": ("tanggal bayar", "tanggal", "paid on", "date", "tgl bayar", "paid_on"),
    "amount": ("jumlah", "amount", "nominal", "jumlah bayar"),
}


def do_import_payments(
    *, actor: Any, source: Path | bytes, filename: str, kind: str = PaymentSource.BPJS_RECEIPT
) -> PaymentImportResult:
    """Import a payment file (CSV/XLSX: bill number, reference, date, amount). Rows with errors refuse the whole
    file (nothing half-written); unknown bill numbers are kept unmatched; partial and over-payments are listed."""

    require(actor, "payments.record")
    frame = _read_columns(source, filename, PAYMENT_COLUMNS).with_columns(date=date_expr(pl.col("paid_on")))
    errors: list[dict[str, Any]] = []
    parsed: list[dict[str, Any]] = []
    for item in frame.iter_rows(named=True):
        try:
            if item["date"] is None:
                raise InvalidInput(N_("{value} is not a date."), field="paid_on", value=item["paid_on"] or "-")
            amount = parse_amount(item["amount"], field="amount", row=item["row"])
            if not item["reference"]:
                raise InvalidInput(N_("Give the receipt or transfer reference."), field="reference")
            if not item["bill_number"]:
                raise InvalidInput(N_("Give the bill number."), field="bill_number")
        except InvalidInput as error:
            errors.append(
                {"row": item["row"], "field": error.details.get("field"), "message": error.render_message(gettext)}
            )
            continue
        parsed.append({**item, "paid_on": item["date"], "amount": amount})
    if errors:
        return PaymentImportResult(len(parsed) + len(errors), 0, [], [], [], [], errors)
    matched = 0
    unknown: list[dict[str, Any]] = []
    duplicates: list[dict[str, Any]] = []
    touched: set[str] = set()
    with transaction.atomic():
        for item in parsed:
            try:
                payment = do_record_payment(
                    actor=actor,
                    bill_number=item["bill_number"],
                    reference=item["reference"],
                    paid_on=item["paid_on"],
                    amount=item["amount"],
                    source=kind,
                )
            except Conflict:
                duplicates.append({"row": item["row"], "reference": item["reference"]})
                continue
            except ParitranaError as error:  # out of scope, a date in the future...: name the row, write nothing
                errors.append(
                    {"row": item["row"], "field": error.details.get("field"), "message": error.render_message(gettext)}
                )
                continue
            if payment.bill_id is None:
                unknown.append({"row": item["row"], "bill_number": item["bill_number"], "amount": int(item["amount"])})
            else:
                matched += 1
                touched.add(payment.bill_number)
        if errors:
            transaction.set_rollback(True)
            return PaymentImportResult(len(parsed), 0, [], [], [], [], errors)
    bills = Bill.objects.filter(number__in=touched)
    partial = sorted(b.number for b in bills if b.paid < b.amount)
    overpaid = sorted(b.number for b in bills if b.paid > b.amount)
    return PaymentImportResult(len(parsed), matched, unknown, partial, overpaid, duplicates, [])


def do_reconcile_bill(*, actor: Any, bill: Bill) -> Bill:
    """awaiting reconciliation -> reconciled: the BPJS officer confirms the money arrived."""
    return _move_bill(actor, bill, "payments.reconcile", BillStatus.AWAITING_RECONCILIATION, BillStatus.RECONCILED)
