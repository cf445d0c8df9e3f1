"""``[stages.recon]``: the recon stage's options, validated when the configuration loads.

    ports = "top1000"        # "all" (1-65535) or "22,80,8000-8100"; a host's own ports win
    plan = false             # list the targets and ports, connect nowhere
    connect_timeout = 1.0    # seconds per TCP connect (one retry after a time-out)
    max_seconds = 300        # hard budget of the whole stage; what is left is a gap

Everything that reaches the network or raises its load is ``user_only``: a scanned repository's
own config cannot widen the ports, raise the concurrency or turn DNS on.
"""

from __future__ import annotations

from pulsecheck.options import StageOptions, user_only


class Options(StageOptions):
    ports: str = user_only("top1000", "ports to scan: top1000, all, or a list such as 22,80,8000-8100")
    plan: bool = False
    """List the targets and ports; connect nowhere."""
    connect_timeout: float = user_only(1.0, "seconds per TCP connect attempt", gt=0, le=30)
    probe_timeout: float = user_only(1.5, "seconds a service has to answer one probe", gt=0, le=30)
    retries: int = user_only(1, "connect retries after a time-out", ge=0, le=3)
    concurrency: int = user_only(512, "connections open at once, all hosts", ge=1, le=4096)
    per_host: int = user_only(256, "connections open at once to one host", ge=1, le=4096)
    max_seconds: float = user_only(300.0, "hard time budget of the stage", gt=0, le=86_400)
    max_addresses: int = user_only(65_536, "addresses a CIDR may expand to", ge=1, le=1_048_576)
    enable_dns: bool = user_only(False, "resolve host names given in scope (once each)")
    tls: bool = user_only(True, "run the sslyze TLS checks on every TLS port")
    http_checks: bool = user_only(True, "run the shared passive web checks on every HTTP service")
    skip_down_hosts: bool = user_only(True, "stop at a host whose first ports all time out")


ReconOptions = Options
