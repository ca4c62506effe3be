"""The worker registry: NIK-validated, deduplicated workers (peserta) imported from the lists regions really have."""
