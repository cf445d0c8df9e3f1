"""The embedded demo: a deliberately vulnerable clinic app, its fixed twin, and their audit.

``pulsecheck demo`` shows the whole product on a fresh machine with no setup: see
:func:`pulsecheck.demo.runner.run_demo`.
"""
