"""The DAST stage: for each web target, crawl in scope, verify the identities, run the passive
checks on every answer, the safe probes, the authorization tests, and with ``active`` the attacks.

Order per target (each step stops when a budget is spent; what was found is kept):

1. identities (options ``auth``/``login`` = A, ``auth_b``/``login_b`` = B, then the target's);
   login recipes log in first;
2. crawl (links, forms, JS paths, robots, sitemap, OpenAPI, HAR) as the first identity;
3. authentication verified per identity (else a gap);
4. probes: sensitive files, CORS with a foreign Origin, HTTPS redirect, harmless malformed
   values that provoke error pages, FHIR CapabilityStatement and SMART configuration;
5. authorization: lists per identity, objects created per identity (active), BOLA, broken
   authentication, function-level authorization, excessive data exposure, JWT checks;
6. active: injections per parameter, path traversal in paths, login rate limit and user
   enumeration, mass assignment last (it puts the old value back).

``plan`` sends nothing at all, not even discovery: the plan lists the first-level requests
(seeds, spec discovery, probes, and every operation of a spec given as a file); what would
follow from the answers cannot be known without sending, and is said so in a note.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import httpx

from pulsecheck import webchecks
from pulsecheck.model import Finding, Rule, Targets
from pulsecheck.runtime.http import Scope, scoped_client
from pulsecheck.stages.dast import authz, inject, jwtchecks, probes
from pulsecheck.stages.dast.auth import AuthError, Session, from_auth_strings, from_target, load_recipe
from pulsecheck.stages.dast.client import ANONYMOUS, Budget, Identity, Scanner
from pulsecheck.stages.dast.crawl import Crawler
from pulsecheck.stages.dast.options import DastOptions
from pulsecheck.stages.dast.rules import catalog
from pulsecheck.stages.interface import StageContext, StageSkip
from pulsecheck.targets import UrlTarget


def identities(opts: DastOptions, target: UrlTarget, note: Any) -> list[Session]:
    out: list[Session] = []
    for name, auth, login in (("A", opts.auth, opts.login), ("B", opts.auth_b, opts.login_b)):
        try:
            if login:
                out.append(load_recipe(login, f"identity {name}"))
            elif auth:
                out.append(from_auth_strings(f"identity {name}", auth))
        except AuthError as exc:
            note(str(exc))
    out += [from_target(i) for i in target.identities]
    return out


class DastStage:
    name = "dast"
    Options = DastOptions
    needs = frozenset({"urls"})
    provides: frozenset[str] = frozenset()

    def applies(self, targets: Targets) -> bool:
        return bool(targets.web)

    def rules(self) -> Sequence[Rule]:
        return list(catalog().values())

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        if not ctx.targets.web:
            raise StageSkip("no URL target")
        if ctx.runtime is None:
            raise StageSkip("no runtime: DAST needs the scoped HTTP client")
        opts = ctx.options if isinstance(ctx.options, DastOptions) else DastOptions.model_validate(
            ctx.options.model_dump() if ctx.options is not None else {})
        stats: list[dict[str, Any]] = []
        for target in ctx.targets.web:
            if ctx.cancel.is_set():
                return
            yield from scan_target(ctx, opts, target, stats)
        ctx.facts["targets"] = stats


def scan_target(ctx: StageContext, opts: DastOptions, target: UrlTarget, stats: list[dict[str, Any]]
                ) -> Iterator[Finding]:
    assert ctx.runtime is not None
    origin = target.origin
    budget = Budget(max_requests=min(opts.max_requests, target.budget.max_requests),
                    max_seconds=min(opts.max_seconds, target.budget.max_seconds),
                    per_second=min(opts.per_second, target.budget.per_second),
                    concurrency=min(opts.concurrency, target.budget.connections_per_host))
    passive: list[Finding] = []
    client = _client(ctx, target, opts.verify_tls)
    scanner = Scanner(client, target.in_scope(), budget, active=opts.active, allow_destructive=opts.allow_destructive,
                      plan=opts.plan, cancel=ctx.cancel, disabled=frozenset(opts.disable), on_passive=passive.extend)
    disabled = frozenset(opts.disable)
    found: list[Finding] = []
    canary: inject.Canary | None = None
    try:
        sessions = identities(opts, target, ctx.note)
        for s in sessions:
            if s.login is not None and not opts.plan and not s.do_login(scanner):
                ctx.gap(f"{origin}: {s.name}: login recipe did not produce a session (login at {s.login.url})")
        first: Identity = sessions[0] if sessions else ANONYMOUS
        crawler = Crawler(scanner, target.base_url, identity=first, max_depth=opts.max_depth,
                          concurrency=budget.concurrency, note=ctx.note)
        crawler.seed(opts.openapi, opts.har)
        site = crawler.run()
        ops = site.operations
        crawled = list(site.responses)
        if opts.plan:
            _plan(ctx, scanner, origin, ops, opts)
            return
        # 3. authentication
        principals: list[authz.Principal] = []
        anonymous_status: dict[str, int] = {}
        candidates = authz.candidate_urls(origin, ops, crawled)
        for s in sessions:
            p = authz.Principal(s)
            if authz.verify(scanner, p, candidates, anonymous_status):
                principals.append(p)
            elif not scanner.out_of_budget:
                ctx.gap(f"{origin}: {s.name}: authentication could not be verified (no request tried needed "
                        f"credentials and succeeded with them); authenticated checks did not run as {s.name}")
        if not sessions:
            ctx.note(f"{origin}: no identity given: unauthenticated scan; authorization tests need two identities")
        elif len({p.who for p in principals}) < 2:
            ctx.gap(f"{origin}: authorization (BOLA) tests need two verified, distinct identities")
        main = principals[0].session if principals else first
        if not first.anonymous:  # what the crawl saw with credentials, asked for without
            for url, r in list(site.responses.items())[:200]:
                if 200 <= r.status_code < 300 and webchecks.phi_kinds(webchecks.ResponseView(r)):
                    scanner.try_send("GET", url)
        # 4. probes
        found += probes.sensitive_files(scanner, origin)
        found += probes.https_redirect(scanner, origin)
        probes.cors_probe(scanner, [target.base_url, *[u for u in candidates if u.startswith(origin)]], main)
        probes.provoke_errors(scanner, origin, ops, main)
        bases = probes.fhir_bases(scanner, origin, main)
        for base, doc in bases:
            found += probes.fhir_unauthenticated(scanner, base, doc, main)
        found += probes.smart_configuration(scanner, [origin] + [b for b, _ in bases if b != origin])
        # 5. authorization
        objects = authz.Objects()
        authz.collect_lists(scanner, origin, ops, principals, objects)
        if opts.active:
            wanted = {k for op in ops if op.method == "GET" for k in authz.item_keys(op)}
            authz.create_objects(scanner, origin, ops, principals, objects, wanted)
        found += authz.bola(scanner, origin, ops, principals, objects)
        for base, _ in bases:
            for p in principals:
                patient = p.claims.get("patient")
                if isinstance(patient, str | int) and not isinstance(patient, bool):
                    found += probes.fhir_compartment(scanner, base, p.session, str(patient))
                seen = objects.seen.get("patient", {})
                own = {str(patient)} if patient is not None else seen.get(p.session.name, set())
                foreign = sorted({i for who, ids in seen.items() if who != p.session.name for i in ids} - own)
                found += probes.fhir_existence_oracle(scanner, base, p.session, foreign)
        found += authz.broken_authentication(scanner, origin, ops, principals[0] if principals else None)
        found += authz.function_level(scanner, origin, ops, crawled, principals)
        words = site.title_words | {w for w in (urlsplit(origin).hostname or "").split(".") if len(w) > 2}
        for p in principals:
            found += jwtchecks.check(scanner, p, sorted(words), forge=opts.active)
        # 6. active
        if opts.active:
            canary = inject.Canary()
            injector = inject.Injector(scanner, main, delay=opts.time_delay, delay_budget=opts.delay_budget,
                                       canary=canary)
            known = next((str(p.profile["email"]) for p in principals if isinstance(p.profile.get("email"), str)), None)
            injector.known_user = known
            for point in inject.points(origin, ops, crawled, site.forms):
                if scanner.out_of_budget:
                    break
                found += injector.run(point)
            found += inject.path_traversal_routes(scanner, origin, main)
            found += inject.login_checks(scanner, origin, ops, known, opts.login_burst)
            found += inject.reset_checks(scanner, origin, ops, known)
            found += authz.cross_user_update(scanner, origin, ops, principals, objects)
            for p in principals[:2]:
                found += authz.mass_assignment(scanner, origin, ops, p)
            if opts.allow_destructive:
                found += authz.unauthorized_delete(scanner, origin, ops, principals, objects)
        found += inject.dom_sinks(site.responses)
        exchanges = list(site.responses.values())
        found += authz.excessive_exposure(exchanges, ops)
    finally:
        if canary is not None:
            canary.close()
        client.close()
        if scanner.exhausted:
            ctx.gap(f"{origin}: {scanner.exhausted}; the scan stopped early")
        failed = sum(n for why, n in scanner.refused.items() if why.startswith("transport"))
        if failed and not scanner.log:
            ctx.gap(f"{origin}: unreachable ({', '.join(w for w in scanner.refused if w.startswith('transport'))}"
                    f"{'; a self-signed certificate needs verify_tls = false' if origin.startswith('https') else ''})")
        stats.append({"target": origin, "requests": scanner.sent, "rps": round(scanner.achieved_rps(), 2),
                      "refused": dict(scanner.refused), "exhausted": scanner.exhausted,
                      "seconds": round(time.monotonic() - budget.started, 2)})
        out = [f for f in found if f.rule_id not in disabled and f.rule_id.split(".", 1)[-1] not in disabled]
        out += webchecks.aggregate(passive)
    yield from webchecks.aggregate(out)


def _client(ctx: StageContext, target: UrlTarget, verify: bool) -> httpx.Client:
    """The runtime's scoped client (audit scope plus this target's, shared per-host limits); with
    ``verify_tls = false`` any certificate is accepted. No cookie is ever kept between requests:
    each request carries exactly its identity's cookies."""
    assert ctx.runtime is not None
    if verify:
        client = ctx.runtime.http(target.in_scope(), timeout=10.0)
    else:
        rt = ctx.runtime.runtime
        scope = Scope(rt.scope.origins | Scope.of(target.in_scope()).origins)
        client = scoped_client(scope, rt.limiter, timeout=10.0, verify=False)
    client.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return client


def _plan(ctx: StageContext, scanner: Scanner, origin: str, ops: list[Any], opts: DastOptions) -> None:
    from pulsecheck.stages.dast.crawl import concrete

    planned = list(scanner.planned)
    planned += [f"GET {origin}{sf.path}" for sf in probes.SENSITIVE_FILES]
    for op in ops:
        allowed = op.method in ("GET", "HEAD", "OPTIONS") or opts.active
        if op.destructive and not opts.allow_destructive:
            allowed = False
        if allowed:
            planned.append(f"{op.method} {concrete(origin, op.path, {})}")
    planned = list(dict.fromkeys(planned))
    ctx.facts.setdefault("plan", []).extend(planned)
    ctx.note(f"{origin}: plan only, nothing sent: {len(planned)} first-level requests listed in facts.plan "
             f"(requests that depend on answers are not known without sending)")


STAGE = DastStage()
