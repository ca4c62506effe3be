#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only those missing: PostgreSQL (the server leg),
# Chromium (the browser leg), Pango and fonts (PDF reports), poppler-utils (reading PDFs back in tests),
# a Java runtime (Spark in local mode, the scale-out leg of the coverage indicators).
# Runs apt-get update once, and only when something is missing.
set -euo pipefail

# "pdf": only what the app needs to print reports (make demo); default: everything the test suite needs.
need=()
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
if [ "${1:-all}" != "pdf" ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
