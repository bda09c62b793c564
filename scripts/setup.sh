#!/usr/bin/env bash
# Installs what talk-certify needs, idempotently, on Debian/Ubuntu: the npm dependencies and the
# system packages of one kind of target. Skips whatever is already there, so `npm run certify` and
# `npm test` can call it every time.
#
#   scripts/setup.sh [--for all|url|reference|testcontainers] [--npm-only | --system-only] [--list]
#
# --list prints the Debian packages of --for (one line, plus `hpb` when the HPB is part of it) and
# installs nothing.
# --for (default all, what `npm test` needs): a URL run needs only the browsers; the reference
# platform also its web server, TURN server, network tools and (optional) HPB; testcontainers
# also openssl. `npm run certify` installs npm first (--npm-only), then src/cli/certify.ts runs
# `--system-only --for <its target>` once it knows the target (TALK_URL, .env or --url).
set -euo pipefail
cd "$(dirname "$0")/.."

FOR=all
NPM=1
SYSTEM=1
LIST=0
while (($# > 0)); do
  case "$1" in
    --for) FOR="${2:-}"; shift 2 ;;
    --for=*) FOR="${1#--for=}"; shift ;;
    --npm-only) SYSTEM=0; shift ;;
    --system-only) NPM=0; shift ;;
    --list) LIST=1; shift ;;
    *) echo "[setup] unknown option $1 (usage: scripts/setup.sh [--for all|url|reference|testcontainers] [--npm-only|--system-only] [--list])" >&2; exit 2 ;;
  esac
done

# chromium, firefox-esr: the browsers certified when Playwright's own builds are not installed.
# libnss3-tools: certutil, to give the browsers a private CA (TALK_CA_FILE, the reference CA).
BROWSERS=(chromium firefox-esr ca-certificates fonts-liberation libnss3-tools)
# nginx-light, coturn: the reference platform's real web server and TURN server.
# iproute2, iptables: the reference platform's network namespace (WebRTC ignores loopback) and the
# firewall of its restricted TURN address. openssl: its certificates (and testcontainers').
REFERENCE=(nginx-light coturn iproute2 iptables openssl)
case "$FOR" in
  url) PACKAGES=("${BROWSERS[@]}") ;;
  testcontainers) PACKAGES=("${BROWSERS[@]}" openssl) ;;
  reference | all) PACKAGES=("${BROWSERS[@]}" "${REFERENCE[@]}") ;;
  *) echo "[setup] --for must be all, url, reference or testcontainers (got \"$FOR\")" >&2; exit 2 ;;
esac
WITH_HPB=0
if [ "$FOR" = reference ] || [ "$FOR" = all ]; then WITH_HPB=1; fi
if ((LIST)); then
  echo "${PACKAGES[*]}$(((WITH_HPB)) && echo ' hpb')"
  exit 0
fi

missing=()
((SYSTEM)) && for p in "${PACKAGES[@]}"; do
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
if ((SYSTEM && WITH_HPB)) && [ "$(id -u)" -eq 0 ] && [ "${TALK_SKIP_HPB_INSTALL:-}" != "1" ]; then
  bash scripts/hpb/install.sh --quiet || echo "[setup] the HPB (reference profile hpb) could not be installed; its self-tests will skip. Retry: bash scripts/hpb/install.sh" >&2
fi

((NPM)) || exit 0
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
