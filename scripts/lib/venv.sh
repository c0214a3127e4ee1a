# Sourced by scripts/serve and scripts/test: the project's virtualenv with pinned requirements.
#
#   ensure_venv REQUIREMENTS_FILE   creates $ROOT/.venv when absent and installs the file,
#                                   again only when the requirements files changed
#                                   (a stamp per file in .venv/).
# Needs ROOT and a log function. Sets VENV and VPY.
# Environment: PYTHON (interpreter for a new venv, default python3).

VENV="$ROOT/.venv"
VPY="$VENV/bin/python"

ensure_venv() {
  local requirements="$1"
  if [[ ! -x "$VPY" ]]; then
    local python="${PYTHON:-python3}"
    log "creating $VENV with $("$python" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
    if ! "$python" -m venv "$VENV"; then
      rm -rf "$VENV"
      # Debian's own python3 needs python3-venv for ensurepip.
      if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "python3 -m venv failed; installing python3-venv"
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q update </dev/null
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q install -y --no-install-recommends python3-venv </dev/null
        "$python" -m venv "$VENV"
      else
        log "could not create a virtualenv: install python3-venv (apt-get install python3-venv)"
        return 1
      fi
    fi
  fi
  local stamp="$VENV/.stamp-$(basename "$requirements")"
  local want
  want="$(cat "$ROOT"/requirements*.txt | sha256sum | cut -d' ' -f1) $("$VPY" -c 'import sys; print(sys.version.split()[0])')"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    log "installing $(basename "$requirements") into .venv"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VPY" -m pip install --progress-bar off -q -r "$requirements" </dev/null
    printf '%s\n' "$want" >"$stamp"
  fi
}
