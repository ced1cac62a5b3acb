#!/usr/bin/env bash
# Install the Debian packages anjuan needs, only those missing (idempotent, quiet when all present).
set -euo pipefail
PKGS=(libreoffice-writer-nogui python3-uno fonts-noto-cjk fonts-noto-cjk-extra fonts-liberation2 fonts-crosextra-carlito fontconfig poppler-utils qpdf
      postgresql python3-venv softhsm2 libnss3-tools
      chromium chromium-driver)  # the real-browser tests (Playwright drives /usr/bin/chromium)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
