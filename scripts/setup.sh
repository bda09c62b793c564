#!/usr/bin/env bash
# Installs what talk-certify needs, idempotently, on Debian/Ubuntu: the system packages (browsers,
# nginx, coturn, network-namespace tools) and the npm dependencies. Skips whatever is already there,
# so `npm run certify` and `npm test` can call it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium, firefox-esr: the browsers certified when Playwright's own builds are not installed.
# nginx-light, coturn: the reference platform's real web server and TURN server.
# iproute2, iptables: the reference platform's network namespace (WebRTC ignores loopback) and the
# firewall of its restricted TURN address.
# libnss3-tools: certutil, to give the browsers a private CA (TALK_CA_FILE, the reference CA).
PACKAGES=(chromium firefox-esr nginx-light coturn iproute2 iptables openssl ca-certificates fonts-liberation libnss3-tools)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  if ! command -v apt-get >/dev/null; then
    echo "[setup] missing packages ${missing[*]} and no apt-get: install them with your package manager." >&2
    exit 2
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "[setup] installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The High-Performance Backend of the reference profile `hpb` (signaling 2.0.2 from Debian unstable
# in a private apt state, NATS, Janus): optional. When it cannot be installed, only the hpb
# self-tests skip (they print why); nothing else needs it.
if [ "$(id -u)" -eq 0 ] && [ "${TALK_SKIP_HPB_INSTALL:-}" != "1" ]; then
  bash scripts/hpb/install.sh || echo "[setup] the HPB (reference profile hpb) could not be installed; its self-tests will skip. Retry: bash scripts/hpb/install.sh" >&2
fi

# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.talk-certify-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] npm ci"
  # Playwright must not try to download its own browsers (no such download on many CI hosts);
  # the suite detects what is installed (src/browsers/detect.ts).
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
