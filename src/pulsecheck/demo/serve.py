"""Child-process entry point that serves the demo app with uvicorn on 127.0.0.1 only.

Run as ``python -m pulsecheck.demo.serve --app-dir D --port P [--certfile C --keyfile K]
[--legacy-tls]``. A separate process (rather than a thread) lets the parent kill it for sure
on success, error or Ctrl-C, and keeps the app's own modules out of pulsecheck's process.
"""

from __future__ import annotations

import argparse
import os
import sys

import uvicorn

from pulsecheck.demo.tls import allow_legacy, require_modern

HOST = "127.0.0.1"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="pulsecheck.demo.serve")
    parser.add_argument("--app-dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--certfile")
    parser.add_argument("--keyfile")
    parser.add_argument("--legacy-tls", action="store_true")
    args = parser.parse_args(argv)
    os.chdir(args.app_dir)
    sys.path.insert(0, args.app_dir)
    config = uvicorn.Config("app.main:app", host=HOST, port=args.port, log_level="warning",
                            access_log=False, ssl_certfile=args.certfile, ssl_keyfile=args.keyfile,
                            lifespan="on")
    config.load()
    if config.ssl is not None:
        if args.legacy_tls:
            allow_legacy(config.ssl)
        else:
            require_modern(config.ssl)
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
