"""Checks as data: ``*.toml`` in this package lists each check (id, title, severity, CWE, HIPAA
sections, remediation, the resource types it reads, a predicate name and its parameters); the
predicates are small functions registered with :func:`predicate` in the modules beside it.
See the stage package's docstring for how to add one."""
