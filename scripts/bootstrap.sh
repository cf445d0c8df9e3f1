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
