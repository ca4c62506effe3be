"""The registry's vocabularies with Indonesian labels (values from ``registry.vocab``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Occupation(models.TextChoices):
    PETANI_PEKEBUN = "petani_pekebun", _("Farmer / planter")
    NELAYAN = "nelayan", _("Fisher")
    PETERNAK = "peternak", _("Livestock farmer")
    PEDAGANG = "pedagang", _("Trader")
    BURUH_BANGUNAN = "buruh_bangunan", _("Construction labourer")
    PEMULUNG = "pemulung", _("Scavenger")
    PEKERJA_RUMAH_TANGGA = "pekerja_rumah_tangga", _("Domestic worker")
    PEKERJA_KEAGAMAAN = "pekerja_keagamaan", _("Religious-sector worker (marbot, guru ngaji)")
    OJEK_PENGEMUDI = "ojek_pengemudi", _("Ojek / driver")
    BURUH_HARIAN_LEPAS = "buruh_harian_lepas", _("Casual day labourer")
    OTHER = "other", _("Other")


class Funder(models.TextChoices):
    """Who pays a worker's iuran (rules.FUNDERS holds the same codes for the pure rules engine)."""

    APBD = "apbd", _("APBD (provincial or kabupaten/kota budget)")
    APBDES = "apbdes", _("APBDes (village budget)")
    APBN = "apbn", _("APBN (state budget)")
    CSR = "csr", _("Company CSR")
    MANDIRI = "mandiri", _("Self-paid (mandiri)")
    OTHER = "other", _("Other (donor)")


class Segment(models.TextChoices):
    BPU = "bpu", _("BPU (informal)")
    PU = "pu", _("PU (wage earner)")
    JAKON = "jakon", _("Construction services")
    PMI = "pmi", _("Migrant worker")


class Sex(models.TextChoices):
    L = "L", _("Male")
    P = "P", _("Female")


class WorkerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    DECEASED = "deceased", _("Deceased")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all-or-nothing", _("All or nothing")
    VALID_ONLY = "valid-only", _("Import the valid rows, reject the rest")


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Waiting for the columns to be checked")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")
