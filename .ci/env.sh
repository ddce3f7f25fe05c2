# Sourced by .ci/install-deps and .ci/run (one definition): the virtual
# environment that holds zig (PyPI `ziglang`) and `cargo-zigbuild`, first on
# PATH. A venv because Debian 12's system Python refuses `pip install`
# (PEP 668, "externally-managed-environment"); override with SESAME_CI_VENV.
SESAME_CI_VENV="${SESAME_CI_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/sesame-ci/venv}"
export SESAME_CI_VENV
export PATH="$SESAME_CI_VENV/bin:$PATH"
