# shellcheck shell=bash
# Shared by scripts/test and scripts/quickstart (sourced, not run).
# Expects ROOT (the repository) to be set by the caller.

# The Debian packages the build and the suite need, by purpose.
# shellcheck disable=SC2034  # used by the scripts that source this file
MODELSYNC_BUILD_PACKAGES=(lua5.4 liblua5.4-dev cmake make gcc libc6-dev libsqlite3-dev libpq-dev)
MODELSYNC_TEST_PACKAGES=(lua-busted lua-argparse luarocks postgresql)

note() { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }

# ensure_packages PKG...: apt-get install the ones that are not installed yet
# (with sudo when not root).  Returns non-zero when they cannot be installed.
ensure_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    warn "not a Debian system: cannot check packages ($*); assuming they are present"
    return 0
  fi
  local missing=() pkg
  for pkg in "$@"; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != "installed" ]]; then
      missing+=("$pkg")
    fi
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0

  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || {
      warn "missing packages (${missing[*]}) and no sudo: run as root: apt-get install ${missing[*]}"
      return 1
    }
    sudo=(sudo)
  fi
  note "installing ${missing[*]}"
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -y -q)
  # A fresh machine has no package lists yet, and old lists can name files
  # the mirror no longer has: update first in the one case, on failure in the other.
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    note "apt-get update"
    "${sudo[@]}" "${apt[@]}" update || return 1
  fi
  if ! "${sudo[@]}" "${apt[@]}" install "${missing[@]}"; then
    note "apt-get update, then install again"
    "${sudo[@]}" "${apt[@]}" update || return 1
    "${sudo[@]}" "${apt[@]}" install "${missing[@]}" || return 1
  fi
}

# build_core [CMAKE_ARG...]: configure and build build/modelsync/core.so
# (MODELSYNC_BUILD_DIR=dir: in that directory instead of build/).
build_core() {
  local dir="${MODELSYNC_BUILD_DIR:-$ROOT/build}"
  local name="${dir#"$ROOT"/}"
  # A build/ made from another checkout (or moved) cannot be reused by CMake.
  if [[ -f "$dir/CMakeCache.txt" ]] &&
     ! grep -qxF "CMAKE_HOME_DIRECTORY:INTERNAL=$ROOT" "$dir/CMakeCache.txt"; then
    note "$name/ belongs to another source tree: starting it afresh"
    rm -rf -- "$dir"
  fi
  note "cmake -S . -B $name $*"
  cmake -S "$ROOT" -B "$dir" "$@" || return 1
  cmake --build "$dir" --parallel "$(nproc 2>/dev/null || echo 2)" || return 1
  [[ -f "$dir/modelsync/core.so" ]] || { warn "$name/modelsync/core.so was not built"; return 1; }
}

# Lua search paths for running scripts outside the repository root.
lua_env() {
  local lpath="$ROOT/lua/?.lua;$ROOT/lua/?/init.lua;$ROOT/examples/?.lua;;"
  local cpath="$ROOT/build/?.so;;"
  printf '%s\n' "LUA_PATH=$lpath" "LUA_PATH_5_4=$lpath" "LUA_CPATH=$cpath" "LUA_CPATH_5_4=$cpath"
}

# run_example FILE DB_FILE WORKDIR: runs one example the way scripts/test and
# scripts/quickstart do: `lua5.4 FILE DB_FILE` from WORKDIR, with
# MODELSYNC_EXAMPLE_DB=DB_FILE, the repository's lua/ and build/ on the paths,
# and a time limit.  Returns the example's exit status.  (scripts/test's passes
# set MODELSYNC_PRELOAD, LD_PRELOAD'ed, and the array MODELSYNC_RUNNER, a
# command lua5.4 runs under, e.g. valgrind.)
run_example() {
  local file="$1" db="$2" workdir="$3" env_lines=()
  mapfile -t env_lines < <(lua_env)
  mkdir -p -- "$workdir"
  (cd "$workdir" &&
     exec env "${env_lines[@]}" MODELSYNC_EXAMPLE_DB="$db" ${MODELSYNC_PRELOAD:+LD_PRELOAD="$MODELSYNC_PRELOAD"} \
       timeout -k 10 "${MODELSYNC_EXAMPLE_TIMEOUT:-300}" \
       ${MODELSYNC_RUNNER[@]+"${MODELSYNC_RUNNER[@]}"} lua5.4 "$file" "$db")
}
