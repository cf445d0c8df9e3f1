"""TLS checks of every TLS port with sslyze, judged against the TLS policy (data/tls_policy.toml).

sslyze brings its own legacy-capable OpenSSL (nassl), so SSL 2.0/3.0, export, anonymous and NULL
suites are tested with a client able to offer them, whatever the system OpenSSL refuses. Each
server is given as ``ServerNetworkLocation(hostname, port, ip_address=...)``: sslyze resolves
nothing and connects only to that address, which the runtime's :class:`~pulsecheck.runtime.net.Net`
has authorised first. The scan commands used make no third-party traffic: certificate
validation uses sslyze's bundled trust stores offline, OCSP is only read when the server staples
it, and no certificate-transparency or OCSP responder is ever contacted (sslyze has no such
fetch); no HTTP proxy is configured.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa

from pulsecheck.runtime.net import Net, OutOfNetScope

PROTOCOL_COMMANDS = (
    ("ssl_2_0_cipher_suites", "SSLv2", "recon.tls-weak-protocol-sslv2"),
    ("ssl_3_0_cipher_suites", "SSLv3", "recon.tls-weak-protocol-sslv3"),
    ("tls_1_0_cipher_suites", "TLSv1.0", "recon.tls-weak-protocol-tls10"),
    ("tls_1_1_cipher_suites", "TLSv1.1", "recon.tls-weak-protocol-tls11"),
    ("tls_1_2_cipher_suites", "TLSv1.2", ""),
    ("tls_1_3_cipher_suites", "TLSv1.3", ""),
)


@cache
def policy() -> dict[str, Any]:
    text = resources.files("pulsecheck.stages.recon").joinpath("data/tls_policy.toml").read_text("utf-8")
    return tomllib.loads(text)


@dataclass(frozen=True, slots=True)
class Issue:
    rule: str
    message: str
    detail: str
    """Facts for the evidence (suites, protocol, certificate facts); never a secret."""
    identity: str = ""


@dataclass
class TlsReport:
    host: str
    port: int
    protocols: list[str] = field(default_factory=list)
    ciphers: dict[str, list[str]] = field(default_factory=dict)
    subject: str = ""
    not_after: str = ""
    issues: list[Issue] = field(default_factory=list)
    error: str = ""


def classify(name: str, anonymous: bool) -> str:
    """``insecure`` | ``3des`` | ``no-fs`` | ``off-policy`` | ``ok`` for one IANA suite name."""
    n = name.upper()
    if (anonymous or "_ANON_" in n or "NULL" in n or "EXPORT" in n or "RC4" in n or "RC2" in n or "MD5" in n
            or "_DES_CBC_" in n or "DES40" in n or n.startswith("SSL_CK_")):
        return "insecure"
    if "3DES" in n or "DES_EDE" in n or "DES_192" in n:
        return "3des"
    p = policy()
    if n in p["ciphersuites_tls13"] or n in p["ciphers_tls12"]:
        return "ok"
    if n.startswith("TLS_") and not n.startswith(("TLS_ECDHE_", "TLS_DHE_")) and "_WITH_" in n:
        return "no-fs"
    return "off-policy"


def _suites(result: Any) -> list[tuple[str, bool]]:
    return [(a.cipher_suite.name, bool(a.cipher_suite.is_anonymous)) for a in result.accepted_cipher_suites]


def judge(host: str, port: int, result: Any, now: datetime | None = None) -> TlsReport:
    """Issues of one sslyze ``ServerScanResult`` (``host`` is what the certificate must name)."""
    now = now or datetime.now(UTC)
    rep = TlsReport(host, port)
    scan = result.scan_result
    for attr, label, rule in PROTOCOL_COMMANDS:
        attempt = getattr(scan, attr, None)
        if attempt is None or attempt.result is None:
            continue
        accepted = _suites(attempt.result)
        if not accepted:
            continue
        rep.protocols.append(label)
        rep.ciphers[label] = [n for n, _ in accepted]
        if rule:
            sample = ", ".join(n for n, _ in accepted[:4]) + (f" (+{len(accepted) - 4})" if len(accepted) > 4 else "")
            rep.issues.append(Issue(rule, f"{label} accepted ({len(accepted)} suites)", f"{label}: {sample}"))
    if rep.protocols and not {"TLSv1.2", "TLSv1.3"} & set(rep.protocols):
        rep.issues.append(Issue("recon.tls-no-modern-protocol", "neither TLS 1.2 nor 1.3 is offered",
                                f"offered: {', '.join(rep.protocols)}"))
    by_class: dict[str, dict[str, str]] = {}
    for label, names in rep.ciphers.items():
        for name in names:
            anon = any(n == name and a for n, a in _suites(getattr(scan, _attr(label)).result))
            kind = classify(name, anon)
            if kind == "off-policy" and label not in ("TLSv1.2", "TLSv1.3"):
                continue  # a suite of a deprecated protocol: the protocol finding covers it
            by_class.setdefault(kind, {}).setdefault(name, label)
    for kind, rule, what in (("insecure", "recon.tls-insecure-cipher", "insecure suites"),
                             ("3des", "recon.tls-weak-cipher-3des", "3DES suites"),
                             ("no-fs", "recon.tls-no-forward-secrecy", "suites without forward secrecy"),
                             ("off-policy", "recon.tls-cipher-outside-policy",
                              f"suites outside {policy()['name']} {policy()['version']}")):
        found = by_class.get(kind)
        if found:
            listed = ", ".join(f"{n} ({p})" for n, p in list(found.items())[:6])
            more = f" (+{len(found) - 6})" if len(found) > 6 else ""
            rep.issues.append(Issue(rule, f"{len(found)} {what} accepted", listed + more))
    _certificate(rep, scan, now)
    _extras(rep, scan)
    return rep


def _attr(label: str) -> str:
    return next(a for a, lab, _ in PROTOCOL_COMMANDS if lab == label)


def _certificate(rep: TlsReport, scan: Any, now: datetime) -> None:
    attempt = getattr(scan, "certificate_info", None)
    if attempt is None or attempt.result is None or not attempt.result.certificate_deployments:
        return
    dep = attempt.result.certificate_deployments[0]
    chain = dep.received_certificate_chain
    if not chain:
        return
    leaf: x509.Certificate = chain[0]
    rep.subject = leaf.subject.rfc4514_string()[:200]
    rep.not_after = leaf.not_valid_after_utc.date().isoformat()
    facts = f"subject {rep.subject}, issuer {leaf.issuer.rfc4514_string()[:200]}, expires {rep.not_after}"
    trusted = any(p.was_validation_successful for p in dep.path_validation_results)
    self_signed = leaf.issuer == leaf.subject and len(chain) == 1
    if self_signed and not trusted:
        rep.issues.append(Issue("recon.tls-self-signed-cert", "the certificate is self-signed", facts))
    elif not trusted:
        errors = {str(p.validation_error)[:120] for p in dep.path_validation_results if p.validation_error}
        rep.issues.append(Issue("recon.tls-untrusted-cert-chain", "the certificate chain is not trusted by any "
                                "of sslyze's trust stores", f"{facts}; {'; '.join(sorted(errors))[:300]}"))
    if leaf.not_valid_after_utc < now or leaf.not_valid_before_utc > now:
        rep.issues.append(Issue("recon.tls-cert-expired", f"the certificate is not valid now (valid "
                                f"{leaf.not_valid_before_utc.date()} to {rep.not_after})", facts))
    elif leaf.not_valid_after_utc - now < timedelta(days=int(policy()["expiry_warning_days"])):
        rep.issues.append(Issue("recon.tls-cert-expiring-soon", f"the certificate expires on {rep.not_after}", facts))
    if not _names_host(leaf, rep.host):
        rep.issues.append(Issue("recon.tls-cert-hostname-mismatch", f"the certificate does not name {rep.host}",
                                f"{facts}; names: {', '.join(_names(leaf))[:200] or 'none'}"))
    key = leaf.public_key()
    p = policy()
    weak = ""
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < int(p["certificate_min_rsa_bits"]):
        weak = f"RSA {key.key_size} bits"
    elif isinstance(key, ec.EllipticCurvePublicKey) and key.key_size < int(p["certificate_min_ecdsa_bits"]):
        weak = f"EC {key.key_size} bits"
    elif isinstance(key, dsa.DSAPublicKey):
        weak = f"DSA {key.key_size} bits"
    if weak:
        rep.issues.append(Issue("recon.tls-weak-cert-key", f"the certificate key is {weak}", facts))
    hash_alg = leaf.signature_hash_algorithm
    if hash_alg is not None and hash_alg.name.lower() in ("md5", "sha1", "md2", "md4"):
        rep.issues.append(Issue("recon.tls-weak-cert-signature", f"the certificate is signed with {hash_alg.name}",
                                facts))
    if trusted and dep.ocsp_response is None:
        rep.issues.append(Issue("recon.tls-no-ocsp-stapling", "the server does not staple an OCSP response", facts))


def _names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [str(a.value) for a in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    return [str(v) for v in san.get_values_for_type(x509.DNSName)] + \
        [str(v) for v in san.get_values_for_type(x509.IPAddress)]


def _names_host(cert: x509.Certificate, host: str) -> bool:
    host = host.lower().strip("[]")
    for name in _names(cert):
        name = name.lower()
        if name == host or (name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]):
            return True
    return False


def _extras(rep: TlsReport, scan: Any) -> None:
    comp = getattr(scan, "tls_compression", None)
    if comp is not None and comp.result is not None and comp.result.supports_compression:
        rep.issues.append(Issue("recon.tls-compression", "TLS compression is enabled", "DEFLATE accepted"))
    hb = getattr(scan, "heartbleed", None)
    if hb is not None and hb.result is not None and hb.result.is_vulnerable_to_heartbleed:
        rep.issues.append(Issue("recon.tls-heartbleed", "the server leaks memory through heartbeats (Heartbleed)",
                                "heartbeat over-read answered"))
    reneg = getattr(scan, "session_renegotiation", None)
    if reneg is not None and reneg.result is not None:
        r = reneg.result
        if not r.supports_secure_renegotiation or r.is_vulnerable_to_client_renegotiation_dos:
            what = ("no secure renegotiation (RFC 5746)" if not r.supports_secure_renegotiation
                    else "client-initiated renegotiation accepted")
            rep.issues.append(Issue("recon.tls-insecure-renegotiation", what, what))


def scan_all(net: Net, servers: Iterable[tuple[str, int, str, str]], *, timeout: float = 5.0) -> Iterator[TlsReport]:
    """sslyze on each ``(address, port, name the certificate should carry, STARTTLS protocol or "")``
    (``POSTGRES``: the PostgreSQL SSLRequest upgrade); one report each."""
    from sslyze.connection_helpers.opportunistic_tls_helpers import ProtocolWithOpportunisticTlsEnum
    from sslyze.plugins.scan_commands import ScanCommand
    from sslyze.scanner.models import ServerScanRequest, ServerScanStatusEnum
    from sslyze.scanner.scanner import Scanner
    from sslyze.server_setting import ServerNetworkConfiguration, ServerNetworkLocation

    commands = {ScanCommand.SSL_2_0_CIPHER_SUITES, ScanCommand.SSL_3_0_CIPHER_SUITES,
                ScanCommand.TLS_1_0_CIPHER_SUITES, ScanCommand.TLS_1_1_CIPHER_SUITES,
                ScanCommand.TLS_1_2_CIPHER_SUITES, ScanCommand.TLS_1_3_CIPHER_SUITES,
                ScanCommand.CERTIFICATE_INFO, ScanCommand.TLS_COMPRESSION, ScanCommand.HEARTBLEED,
                ScanCommand.SESSION_RENEGOTIATION}
    requests = []
    names: dict[tuple[str, int], str] = {}
    for address, port, name, starttls in servers:
        try:
            net.authorize(address, port)
        except OutOfNetScope as exc:
            yield TlsReport(address, port, error=str(exc))
            continue
        location = ServerNetworkLocation(hostname=address, port=port, ip_address=address)
        upgrade = ProtocolWithOpportunisticTlsEnum(starttls) if starttls else None
        config = ServerNetworkConfiguration(tls_server_name_indication=name if not _is_ip(name) else address,
                                            tls_opportunistic_encryption=upgrade,
                                            network_timeout=int(max(1, timeout)), network_max_retries=1)
        requests.append(ServerScanRequest(server_location=location, network_configuration=config,
                                          scan_commands=commands))
        names[(address, port)] = name
    if not requests:
        return
    scanner = Scanner(per_server_concurrent_connections_limit=8, concurrent_server_scans_limit=8)
    scanner.queue_scans(requests)
    for result in scanner.get_results():
        loc = result.server_location
        if result.scan_status != ServerScanStatusEnum.COMPLETED:
            reason = str(result.connectivity_error_trace or result.connectivity_status)[:300]
            yield TlsReport(loc.ip_address or loc.hostname, loc.port, error=f"TLS checks not run: {reason}")
            continue
        rep = judge(names.get((loc.ip_address or "", loc.port), loc.hostname), loc.port, result)
        rep.host = loc.ip_address or rep.host
        yield rep


def _is_ip(name: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True
