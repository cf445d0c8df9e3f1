#!/usr/bin/env bash
# Set up everything pulsecheck needs on a machine that has only python3 (3.11+):
# a pinned uv in .tools/, then the locked dependencies (uv.lock) in .venv/.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
# Trust the platform CA store (corporate TLS proxies), not only uv's bundled roots.
export UV_SYSTEM_CERTS=1
if [ ! -x .tools/bin/uv ]; then
  python3 -m venv .tools
  .tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.9
fi
.tools/bin/uv sync --frozen --quiet --extra demo
# Semgrep CE for the SAST stage, in its own venv: its exact pins never enter .venv. Rebuilt only
# when tools/semgrep/requirements.txt changed (its sha256 is stamped into the venv).
SEMGREP_LOCK=tools/semgrep/requirements.txt
SEMGREP_STAMP=.tools/semgrep/.pulsecheck-lock.sha256
SEMGREP_SHA=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$SEMGREP_LOCK")
if [ ! -x .tools/semgrep/bin/semgrep ] || [ "$(cat "$SEMGREP_STAMP" 2>/dev/null)" != "$SEMGREP_SHA" ]; then
  rm -rf .tools/semgrep
  .tools/bin/uv venv --quiet --python "$(command -v python3)" .tools/semgrep
  .tools/bin/uv pip install --quiet --require-hashes --python .tools/semgrep/bin/python -r "$SEMGREP_LOCK"
  echo "$SEMGREP_SHA" > "$SEMGREP_STAMP"
fi
