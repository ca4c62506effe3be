"""Kemendagri regions (provinsi -> kabupaten/kota -> kecamatan -> desa/kelurahan), award zones, BPJS branch areas."""
