"""Recon benchmark: a local test bed on 127.0.0.1, pulsecheck recon vs ``nmap -sT -sV`` and
``testssl.sh`` on the same ports, in one run.

    .venv/bin/python bench/recon.py            # installs the Debian packages when run as root

Test bed (each started here and stopped at the end; what cannot start is listed and skipped):
nginx with weak TLS (TLS 1.0/1.1, 3DES, static-RSA suites) and ``server_tokens on`` (HTTP and
HTTPS), redis-server without a password, PostgreSQL, OpenSSH, a Python TLS server allowing TLS
1.0/1.1 with a self-signed certificate, a plain HTTP server without security headers, and a JSON
API served by uvicorn (the ASGI server nmap 7.93 calls ``unknown``).

Reports: open ports, service names (where nmap guesses wrong), versions, the TLS weaknesses
testssl.sh flags MEDIUM or worse against pulsecheck's TLS findings, and wall times (pulsecheck on
Nmap's top 1,000 ports plus the bed's ports vs nmap on the same list; testssl.sh per TLS port).
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET  # noqa: N817 - nmap's own XML output, trusted
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pulsecheck import engine
from pulsecheck.demo.tls import allow_legacy, write_self_signed
from pulsecheck.model import HostLocation, Targets
from pulsecheck.settings import Settings
from pulsecheck.stages.recon.scope import top_ports

HOST = "127.0.0.1"
PACKAGES = ["nmap", "testssl.sh", "nginx-light", "redis-server", "openssh-server"]
NAMES = ("nginx-http", "nginx-https", "redis", "postgresql", "ssh", "python-tls", "plain-http", "uvicorn-api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


PORTS = {name: _free_port() for name in NAMES}
"""Free ports picked at start (other jobs on this machine hold fixed ones)."""
EXPECTED = {"nginx-http": "http", "nginx-https": "https", "redis": "redis", "postgresql": "postgresql",
            "ssh": "ssh", "python-tls": "https", "plain-http": "http", "uvicorn-api": "http"}


def install() -> None:
    missing = [p for p, exe in zip(PACKAGES, ["nmap", "testssl", "nginx", "redis-server", "sshd"], strict=True)
               if not shutil.which(exe) and not Path(f"/usr/sbin/{exe}").exists()]
    if missing and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, capture_output=True)


class Bed:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.procs: list[subprocess.Popen[bytes]] = []
        self.servers: list[ThreadingHTTPServer] = []
        self.up: dict[str, int] = {}
        self.skipped: dict[str, str] = {}

    def start(self) -> None:
        cert, key = write_self_signed(self.work)
        self._nginx(*_rsa_self_signed(self.work))
        self._spawn("redis", ["redis-server", "--port", str(PORTS["redis"]), "--bind", HOST, "--protected-mode", "no",
                              "--save", "", "--appendonly", "no", "--dir", str(self.work)])
        self._postgres()
        self._sshd()
        self._python_tls(cert, key)
        self._plain_http()
        self._spawn("uvicorn-api", [sys.executable, "-m", "uvicorn", "--app-dir", str(self.work), "api:app",
                                    "--host", HOST, "--port", str(PORTS["uvicorn-api"]), "--log-level", "warning"],
                    before=lambda: (self.work / "api.py").write_text(API))
        deadline = time.monotonic() + 20
        for name, port in PORTS.items():
            if name in self.skipped:
                continue
            while time.monotonic() < deadline and not _listening(port):
                time.sleep(0.1)
            if _listening(port):
                self.up[name] = port
            else:
                self.skipped.setdefault(name, "did not start listening")

    def _spawn(self, name: str, argv: list[str], before: object = None, user: str | None = None) -> None:
        if not shutil.which(argv[0]) and not Path(argv[0]).exists():
            self.skipped[name] = f"{argv[0]} not installed"
            return
        if callable(before):
            before()
        kwargs: dict[str, object] = {}
        if user is not None:
            kwargs["user"] = user
        self.procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           cwd=self.work, start_new_session=True, **kwargs))  # type: ignore[call-overload]

    def _nginx(self, cert: Path, key: Path) -> None:
        conf = self.work / "nginx.conf"
        conf.write_text(NGINX.format(work=self.work, cert=cert, key=key, http=PORTS["nginx-http"],
                                     https=PORTS["nginx-https"]))
        self._spawn("nginx-http", ["/usr/sbin/nginx", "-c", str(conf), "-p", str(self.work), "-g", "daemon off;"])

    def _postgres(self) -> None:
        if not shutil.which("initdb") or os.geteuid() != 0:
            self.skipped["postgresql"] = "initdb not installed or not root"
            return
        data = self.work / "pg"
        data.mkdir()
        shutil.chown(data, "postgres")
        self.work.chmod(0o755)
        pwfile = self.work / "pgpass"
        pwfile.write_text(os.urandom(12).hex() + "\n")
        shutil.chown(pwfile, "postgres")
        subprocess.run(["initdb", "-D", str(data), "--auth-host=scram-sha-256", "--auth-local=peer",
                        f"--pwfile={pwfile}"], user="postgres", capture_output=True, check=False)
        self._spawn("postgresql", [shutil.which("postgres") or "postgres", "-D", str(data), "-p",
                                   str(PORTS["postgresql"]), "-h", HOST, "-k", str(data)], user="postgres")

    def _sshd(self) -> None:
        if not Path("/usr/sbin/sshd").exists():
            self.skipped["ssh"] = "openssh-server not installed"
            return
        hostkey = self.work / "ssh_host_ed25519_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(hostkey)], check=False)
        Path("/run/sshd").mkdir(exist_ok=True)
        self._spawn("ssh", ["/usr/sbin/sshd", "-D", "-e", "-p", str(PORTS["ssh"]), "-o", f"ListenAddress={HOST}",
                            "-h", str(hostkey), "-f", "/dev/null", "-o", "PidFile=none"])

    def _python_tls(self, cert: Path, key: Path) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        allow_legacy(ctx)
        server = ThreadingHTTPServer((HOST, PORTS["python-tls"]), _Plain)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        self._serve(server)

    def _plain_http(self) -> None:
        self._serve(ThreadingHTTPServer((HOST, PORTS["plain-http"]), _Plain))

    def _serve(self, server: ThreadingHTTPServer) -> None:
        server.daemon_threads = True
        server.handle_error = lambda *a: None  # type: ignore[method-assign]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers.append(server)

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


class _Plain(BaseHTTPRequestHandler):
    server_version = "SimpleHTTP/0.6"

    def do_GET(self) -> None:  # noqa: N802
        body = b"<html><head><title>Lab results</title></head><body>ok</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


API = '''
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b'{"status": "ok", "service": "patients-api"}'
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
'''

NGINX = """
worker_processes 1;
error_log {work}/nginx-error.log;
pid {work}/nginx.pid;
events {{ worker_connections 256; }}
http {{
  access_log off;
  server_tokens on;
  client_body_temp_path {work}/ncb; proxy_temp_path {work}/np; fastcgi_temp_path {work}/nf;
  uwsgi_temp_path {work}/nu; scgi_temp_path {work}/ns;
  server {{ listen 127.0.0.1:{http}; location / {{ return 200 "portal\\n"; }} }}
  server {{
    listen 127.0.0.1:{https} ssl;
    ssl_certificate {cert}; ssl_certificate_key {key};
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
    ssl_ciphers "ALL:@SECLEVEL=0";
    location / {{ return 200 "portal\\n"; }}
  }}
}}
"""


def _rsa_self_signed(directory: Path) -> tuple[Path, Path]:
    """An RSA-2048 certificate for nginx, so static-RSA and 3DES suites can be offered."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench.invalid")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365)).sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "rsa-cert.pem", directory / "rsa-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((HOST, port)) == 0


def run_pulsecheck(ports: list[int]) -> tuple[float, dict[int, dict[str, object]], dict[int, set[str]]]:
    spec = ",".join(map(str, ports))
    start = time.monotonic()
    report = engine.run(Targets(hosts=(f"{HOST}:{spec}",)), Settings(stages=("recon",)))
    elapsed = time.monotonic() - start
    (result,) = report.stages
    facts = getattr(result.outcome, "facts", {})
    services = {int(s["port"]): s for s in facts.get("services", [])}
    rules: dict[int, set[str]] = {}
    for f in report.findings:
        port = f.location.port if isinstance(f.location, HostLocation) else _url_port(f.location.display())
        if port is not None:
            rules.setdefault(port, set()).add(f"{f.rule_id} ({f.severity})")
    return elapsed, services, rules


def _url_port(display: str) -> int | None:
    with contextlib.suppress(ValueError, IndexError):
        return int(display.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    return None


def run_nmap(ports: list[int]) -> tuple[float, dict[int, dict[str, str]]]:
    start = time.monotonic()
    out = subprocess.run(["nmap", "-sT", "-sV", "-n", "-Pn", "-p", ",".join(map(str, ports)), "-oX", "-", HOST],
                         capture_output=True, check=False, timeout=1800).stdout
    elapsed = time.monotonic() - start
    found: dict[int, dict[str, str]] = {}
    for port in ET.fromstring(out).iter("port"):
        state = port.find("state")
        if state is None or state.get("state") != "open":
            continue
        svc = port.find("service")
        attrs = svc.attrib if svc is not None else {}
        name = attrs.get("name", "")
        if attrs.get("tunnel") == "ssl":
            name = f"ssl/{name}"
        found[int(port.get("portid", "0"))] = {"service": name, "product": attrs.get("product", ""),
                                               "version": attrs.get("version", "")}
    return elapsed, found


def run_testssl(port: int, work: Path) -> tuple[float, list[str], int]:
    csv_path = work / f"testssl-{port}.csv"
    argv = ["testssl", "--quiet", "--warnings", "off", "--color", "0", "--csvfile", str(csv_path),
            "--ip", HOST, f"{HOST}:{port}"]
    start = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, check=False, timeout=1800)
    elapsed = time.monotonic() - start
    flagged: list[str] = []
    if csv_path.exists():
        with csv_path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("severity") in ("MEDIUM", "HIGH", "CRITICAL"):
                    flagged.append(f"{row['id']} [{row['severity']}] {row.get('finding', '')[:90]}")
    return elapsed, flagged, proc.returncode


def main() -> int:
    install()
    with tempfile.TemporaryDirectory(prefix="pulsecheck-bench-recon-") as tmp:
        work = Path(tmp)
        bed = Bed(work)
        try:
            bed.start()
            print("test bed:", ", ".join(f"{n}={p}" for n, p in bed.up.items()))
            for name, why in bed.skipped.items():
                print(f"  not started: {name}: {why}")
            ports = sorted(set(top_ports()) | set(bed.up.values()))
            print(f"ports scanned by both: {len(ports)} (Nmap top 1,000 + the bed's)")
            tls_ports = [p for n, p in bed.up.items() if n in ("nginx-https", "python-tls")]
            testssl: dict[int, tuple[float, list[str], int]] = {}
            threads = [threading.Thread(target=lambda p=p: testssl.__setitem__(p, run_testssl(p, work)))
                       for p in tls_ports if shutil.which("testssl")]
            pc_time, pc_services, pc_rules = run_pulsecheck(ports)
            nm_time, nm_services = run_nmap(ports) if shutil.which("nmap") else (float("nan"), {})
            for t in threads:  # testssl.sh afterwards and one port at a time, so no timing competes
                t.start()
                t.join()
            print(f"\n{'port':>6}  {'bed':<12} {'pulsecheck':<34} {'nmap -sT -sV':<40} note")
            by_port = {p: n for n, p in bed.up.items()}
            for port in sorted(set(pc_services) | set(nm_services)):
                pc = pc_services.get(port, {})
                nm = nm_services.get(port, {})
                pc_text = f"{pc.get('service', '-')}{' (tls)' if pc.get('tls') else ''} " \
                          f"{pc.get('product') or ''} {pc.get('version') or ''}".strip()
                nm_text = f"{nm.get('service', '-')} {nm.get('product', '')} {nm.get('version', '')}".strip()
                want = EXPECTED.get(by_port.get(port, ""), "")
                note = []
                if want and pc.get("service") != want:
                    note.append(f"pulsecheck WRONG (want {want})")
                if want and want.replace("https", "ssl/http") not in nm.get("service", "") and \
                        nm.get("service") not in (want, f"ssl/{want}", "ssl/https", "postgresql", "redis"):
                    note.append(f"nmap wrong (want {want})")
                print(f"{port:>6}  {by_port.get(port, '?'):<12} {pc_text[:34]:<34} {nm_text[:40]:<40} {'; '.join(note)}")
            print(f"\nopen ports: pulsecheck {len(pc_services)}, nmap {len(nm_services)}; "
                  f"only pulsecheck: {sorted(set(pc_services) - set(nm_services))}, "
                  f"only nmap: {sorted(set(nm_services) - set(pc_services))}")
            print("\npulsecheck findings by port (host findings; web-check findings counted):")
            for port in sorted(pc_rules):
                rules = sorted(pc_rules[port])
                host_rules = [r for r in rules if ".tls-" not in r and not r.startswith("recon.missing-")]
                web = [r for r in rules if r.startswith("recon.missing-") or "disclosure" in r]
                print(f"  {port} {by_port.get(port, '?')}: {', '.join(host_rules) or '-'}; web checks: {len(web)}")
            for port in tls_ports:
                spent, flagged, _ = testssl.get(port, (float("nan"), [], -1))
                print(f"\nTLS {by_port[port]} ({port}): testssl.sh {spent:.1f}s, flags MEDIUM+:")
                for line in flagged:
                    print(f"    {line}")
                print("  pulsecheck TLS findings:")
                for rule in sorted(r for r in pc_rules.get(port, set()) if ".tls-" in r):
                    print(f"    {rule}")
            print(f"\ntimes: pulsecheck recon {pc_time:.1f}s (all {len(ports)} ports, versions, TLS, web checks); "
                  f"nmap -sT -sV {nm_time:.1f}s; ratio nmap/pulsecheck {nm_time / pc_time:.1f}x")
            if testssl:
                per_port = sum(t for t, _, _ in testssl.values()) / len(testssl)
                pc_per_tls = pc_time / max(1, len(tls_ports))
                print(f"testssl.sh mean {per_port:.1f}s per TLS port vs pulsecheck's whole scan {pc_time:.1f}s "
                      f"(<= {pc_per_tls:.1f}s per TLS port): {per_port / pc_per_tls:.1f}x")
        finally:
            bed.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
