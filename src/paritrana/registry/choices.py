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
    """Where a worker stands; ``Worker.status_on`` holds the day it took effect. Only an active worker is a candidate
    for a program, is billed for new months and is counted as covered (``registry.lifecycle``)."""

    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    DECEASED = "deceased", _("Deceased")
    #: Moved away to a place the registry does not hold (abroad, destination unknown). A move to a known desa keeps
    #: the worker active there.
    MOVED = "moved", _("Moved away")
    #: The same person as another record, which was kept (``Worker.merged_into``); kept, never deleted.
    MERGED = "merged", _("Merged")


class WorkerEventKind(models.TextChoices):
    """What happened to a worker, as the worker page's history lists it."""

    DEATH = "death", _("Death recorded")
    MOVE = "move", _("Move")
    CORRECTION = "correction", _("Correction")
    NIK_CORRECTION = "nik_correction", _("NIK correction")
    MERGE = "merge", _("Merge")
    STATUS = "status", _("Status change")


class DeathSource(models.TextChoices):
    """Where a death was learnt from (free text is accepted too: the name of a list, an officer)."""

    HAND = "hand", _("Recorded by hand")
    CLAIM = "claim", _("JKM or JKK death claim")
    DESA = "desa", _("The desa's list")
    DUKCAPIL = "dukcapil", _("Dukcapil")
    BPJS = "bpjs", _("BPJS Ketenagakerjaan")


class ImportKind(models.TextChoices):
    WORKERS = "workers", _("Worker list")
    DEATHS = "deaths", _("Death list")


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


#: The outcome a dry run gives in its summary (``status``) beside ``ImportStatus.DONE`` and ``REJECTED``: it wrote
#: nothing, and no job ever holds it as its status.
DRY_RUN = "dry-run"
