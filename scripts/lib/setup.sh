# setup.sh: installs what verigate needs on Debian 12 and builds it. Sourced by scripts/run,
# scripts/test and scripts/bench; every step is skipped when already done.

VG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VG_TOOLS="$VG_ROOT/.tools"

# Build and test dependencies, all from Debian's archive.
VG_APT_PACKAGES=(
  build-essential meson ninja-build pkg-config
  libulfius-dev liborcania-dev libyder-dev libjansson-dev libssl-dev libargon2-dev
  libhiredis-dev libbson-dev libmongoc-dev libcurl4-gnutls-dev libsodium-dev libmicrohttpd-dev
  libphonenumber-dev libjwt-dev liboath-dev libqrencode-dev
  redis-server redis-tools openssl curl ca-certificates
)
# What only scripts/test needs: a real browser for the example SPA, promtool for /metrics,
# oathtool as the user's authenticator app in the TOTP tests.
VG_TEST_APT_PACKAGES=(chromium prometheus oathtool)

vg_log() { printf '\033[1m[verigate]\033[0m %s\n' "$*" >&2; }
vg_die() { vg_log "error: $*"; exit 1; }

vg_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    vg_die "need root (or sudo) to run: $*"; fi
}

vg_apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  vg_log "installing Debian packages: ${missing[*]}"
  vg_as_root apt-get update -qq || vg_die "apt-get update failed"
  vg_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || vg_die "apt-get install failed"
}

# Node.js 18 or newer with npm: Debian 12's own packages when the machine has none.
vg_ensure_node() {
  local major=0
  command -v node >/dev/null && major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 18 ]; then vg_apt_install nodejs npm; fi
  command -v npm >/dev/null || vg_apt_install npm
}

# npm tools (jongodb, redocly, the test-side MongoDB driver) into .tools/, pinned by the lock file.
vg_ensure_node_tools() {
  vg_ensure_node
  mkdir -p "$VG_TOOLS"
  if ! cmp -s "$VG_ROOT/tools/node/package-lock.json" "$VG_TOOLS/package-lock.json" ||
     [ ! -x "$VG_TOOLS/node_modules/@jongodb/memory-server-bin-linux-x64-gnu/bin/jongodb" ]; then
    vg_log "installing npm tools into .tools/"
    cp "$VG_ROOT/tools/node/package.json" "$VG_ROOT/tools/node/package-lock.json" "$VG_TOOLS/"
    (cd "$VG_TOOLS" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
      { rm -f "$VG_TOOLS/package-lock.json"; vg_die "npm ci failed"; }
  fi
  VG_JONGODB="$VG_TOOLS/node_modules/@jongodb/memory-server-bin-linux-x64-gnu/bin/jongodb"
}

# Builds build/verigate and build/verify-emulator (meson build dir build/, or $1).
vg_build() {
  local dir="${1:-$VG_ROOT/build}"
  shift || true
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$VG_ROOT" "$@" >/dev/null || vg_die "meson setup failed"
  fi
  ninja -C "$dir" >/dev/null || { ninja -C "$dir"; vg_die "build failed"; }
}

# vg_setup [test]: with `test`, also what the test suites need.
vg_setup() {
  vg_apt_install "${VG_APT_PACKAGES[@]}"
  [ "${1:-}" = test ] && vg_apt_install "${VG_TEST_APT_PACKAGES[@]}"
  vg_ensure_node_tools
  vg_build "$VG_ROOT/build"
}
