#!/usr/bin/env bash
# Installs the High-Performance Backend of the reference profile `hpb` (issue 13), idempotently, as root:
#   - nextcloud-spreed-signaling 2.0.2 from Debian unstable, WITHOUT touching the system's apt
#     sources: a private apt state (sources list, lists, cache) under $HPB_DIR/apt downloads the
#     .deb, and `dpkg -x` unpacks it into $HPB_DIR/root (a static Go binary that needs only libc).
#     Bookworm's 0.4.1 and bookworm-backports' 1.2.4 are too old for current Talk (no hello-v2,
#     federation, incall-all, switchto: "update required" in Talk's HPB setup check).
#   - nats-server (2.9.10) and janus (1.1.2) from bookworm, the normal way.
#   - optional, for the fault profiles hpb-outdated / hpb-outdated-backports (issue 13): the outdated
#     releases a Debian 12 admin gets from apt — bookworm's 0.4.1 and bookworm-backports' 1.2.4 — the
#     same way (private apt state under $HPB_DIR/outdated/apt, `dpkg -x` into
#     $HPB_DIR/outdated/<release>/root, the package version in $HPB_DIR/outdated/<release>/deb-version,
#     since 0.4.1's binary reports "unreleased"). A failure there is printed and does not fail the
#     script (those profiles then skip with the reason); TALK_HPB_OUTDATED=0 skips them.
# Prints one line per step (--quiet: none for what is already installed, as scripts/setup.sh runs it
# before every certification); exits non-zero when something could not be installed (scripts/setup.sh
# tolerates that: the hpb self-tests then skip with the reason, nothing else needs the HPB).
#
# Env: TALK_HPB_DIR (default /opt/talk-certify/hpb), TALK_HPB_SUITE (default unstable),
#      TALK_HPB_MIRROR (default the Debian mirror the system's apt already uses).
set -euo pipefail

HPB_DIR="${TALK_HPB_DIR:-/opt/talk-certify/hpb}"
SUITE="${TALK_HPB_SUITE:-unstable}"
WANT_VERSION="2.0.2"
BIN="$HPB_DIR/root/usr/bin/nextcloud-spreed-signaling-server"
t0=$(date +%s)
QUIET=0
[ "${1:-}" = --quiet ] && QUIET=1
# A line saying that a part is already installed: not repeated on every run under --quiet.
already() { ((QUIET)) || echo "$@"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "[hpb] must run as root (apt-get, dpkg): sudo bash $0" >&2
  exit 2
fi

# 1. nats-server and janus from the system's own sources (bookworm).
missing=()
for p in nats-server janus; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "[hpb] installing ${missing[*]} (Debian packages)"
  # The system's lists may be missing on a fresh machine; an install that fails for that retries after an update.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # Debian starts both as system services on install; the reference platform runs its own copies in a namespace.
  for s in nats-server janus; do systemctl disable --now "$s" >/dev/null 2>&1 || true; done
fi

mirror="${TALK_HPB_MIRROR:-}"
if [ -z "$mirror" ]; then
  # The mirror the system already uses for Debian (deb822 or one-line sources), else Debian's default.
  mirror=$(grep -hoE '(URIs:|^deb)\s+https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | grep -oE 'https?://[^ ]+' | head -1 || true)
  mirror="${mirror:-http://deb.debian.org/debian}"
fi

# 3. (optional) The outdated releases of the fault profiles hpb-outdated (bookworm's 0.4.1) and
# hpb-outdated-backports (bookworm-backports' 1.2.4), each skipped when its deb-version is there.
install_outdated() {
  local out="$HPB_DIR/outdated" want=() rel
  for rel in 0.4.1 1.2.4; do
    if [ -x "$out/$rel/root/usr/bin/nextcloud-spreed-signaling-server" ] && grep -q "^$rel-" "$out/$rel/deb-version" 2>/dev/null; then
      already "[hpb] outdated nextcloud-spreed-signaling $(cat "$out/$rel/deb-version") already in $out/$rel"
    else
      want+=("$rel")
    fi
  done
  ((${#want[@]} > 0)) || return 0
  local adir="$out/apt"
  rm -rf "$adir"
  mkdir -p "$adir/etc" "$adir/state/lists/partial" "$adir/cache/archives/partial" "$adir/deb"
  printf 'deb %s bookworm main\ndeb %s bookworm-backports main\n' "$mirror" "$mirror" >"$adir/etc/sources.list"
  local opts=(
    -o "Dir::Etc::sourcelist=$adir/etc/sources.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State=$adir/state" -o "Dir::State::status=/var/lib/dpkg/status"
    -o "Dir::Cache=$adir/cache" -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1"
  )
  echo "[hpb] downloading the outdated nextcloud-spreed-signaling ${want[*]} from Debian bookworm/bookworm-backports ($mirror) with a private apt state in $adir"
  apt-get "${opts[@]}" update -qq
  for rel in "${want[@]}"; do
    local v
    v=$(apt-cache "${opts[@]}" madison nextcloud-spreed-signaling | awk -v r="$rel-" 'index($3, r) == 1 {print $3; exit}')
    if [ -z "$v" ]; then
      echo "[hpb] Debian bookworm/bookworm-backports have no nextcloud-spreed-signaling $rel" >&2
      return 1
    fi
    (cd "$adir/deb" && apt-get "${opts[@]}" download -qq "nextcloud-spreed-signaling=$v")
    rm -rf "$out/$rel"
    mkdir -p "$out/$rel"
    dpkg -x "$adir"/deb/nextcloud-spreed-signaling_"${v/:/%3a}"_*.deb "$out/$rel/root"
    echo "$v" >"$out/$rel/deb-version"
    echo "[hpb] outdated nextcloud-spreed-signaling $v installed in $out/$rel ($("$out/$rel/root/usr/bin/nextcloud-spreed-signaling-server" --version | head -1), $(du -sh "$out/$rel/root" | cut -f1))"
  done
  rm -rf "$adir"
}
outdated_done() {
  if [ "${TALK_HPB_OUTDATED:-1}" = "0" ]; then
    echo "[hpb] TALK_HPB_OUTDATED=0: the outdated releases (profiles hpb-outdated*) are not installed"
  else
    # In the background, so that set -e still applies inside (it is ignored under `if`/`!`).
    install_outdated &
    wait $! && return 0
    echo "[hpb] optional: the outdated releases could not be installed; the profiles hpb-outdated* will skip" >&2
  fi
}

# 2. The signaling server: skip when the unpacked binary already reports the wanted version.
if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "version $WANT_VERSION"; then
  outdated_done
  already "[hpb] $("$BIN" --version | head -1) already in $HPB_DIR ($(( $(date +%s) - t0 )) s)"
  exit 0
fi

apt_dir="$HPB_DIR/apt"
rm -rf "$apt_dir"
mkdir -p "$apt_dir/etc" "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/deb"
echo "deb $mirror $SUITE main" >"$apt_dir/etc/sources.list"
# Private sources list, no sources.list.d, private lists and cache; the system's dpkg status only for reading.
APT_OPTS=(
  -o "Dir::Etc::sourcelist=$apt_dir/etc/sources.list" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State=$apt_dir/state" -o "Dir::State::status=/var/lib/dpkg/status"
  -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1"
)
echo "[hpb] downloading nextcloud-spreed-signaling from Debian $SUITE ($mirror) with a private apt state in $apt_dir"
apt-get "${APT_OPTS[@]}" update -qq
version=$(apt-cache "${APT_OPTS[@]}" show nextcloud-spreed-signaling 2>/dev/null | awk '/^Version:/ {print $2; exit}')
case "$version" in
  "$WANT_VERSION"*) ;;
  *)
    echo "[hpb] Debian $SUITE has nextcloud-spreed-signaling '${version:-none}', not $WANT_VERSION: set TALK_HPB_SUITE to a suite that has it" >&2
    exit 1
    ;;
esac
(cd "$apt_dir/deb" && apt-get "${APT_OPTS[@]}" download -qq "nextcloud-spreed-signaling=$version")
rm -rf "$HPB_DIR/root.new"
dpkg -x "$apt_dir"/deb/nextcloud-spreed-signaling_*.deb "$HPB_DIR/root.new"
rm -rf "$HPB_DIR/root"
mv "$HPB_DIR/root.new" "$HPB_DIR/root"
# The lists (~25 MB) are no use after the download.
rm -rf "$apt_dir/state" "$apt_dir/cache"
if ! "$BIN" --version | grep -q "version $WANT_VERSION"; then
  echo "[hpb] $BIN does not report version $WANT_VERSION: $("$BIN" --version 2>&1 | head -1)" >&2
  exit 1
fi
outdated_done
echo "[hpb] $("$BIN" --version | head -1) installed in $HPB_DIR ($(du -sh "$HPB_DIR/root" | cut -f1), $(( $(date +%s) - t0 )) s)"
