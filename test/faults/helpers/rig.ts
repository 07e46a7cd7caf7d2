/**
 * The fault rig: a fake issuer, a verifier on an injected clock, and one adapter's app in front of it,
 * all on 127.0.0.1. Every reply goes through the invariants every fault scenario shares: no 500, a
 * 503 that carries `Retry-After` and no challenge, a 401 that carries a Bearer challenge, no token in
 * the body, and no request that waits longer than the fetch timeout(s) on its path plus a margin.
 */
import { performance } from 'node:perf_hooks';
import { expect } from 'vitest';
import { createVerifier, type TokenRejectedEvent, type Verifier, type VerifierOptions } from '@portcullis/core';
import type { FakeIssuer } from '@portcullis/testing';
import type { AdapterUnderTest, RunningApp } from './apps.js';

/** The JWKS settings of every fault scenario: short, so that a hang costs 300 ms of real time. */
export const FAULT_JWKS = Object.freeze({
  timeout: 300,
  errorCooldown: 1_000,
  cooldown: 2_000,
  cacheMaxAge: 60_000,
  staleIfError: 120_000,
});

/**
 * Slack on top of the fetch timeout for the rest of a request's path (HTTP on loopback, signature
 * checks, a busy 2-core CI machine running test files in parallel: 250 ms was overshot by up to 500 ms
 * with two full runs side by side). Not a performance assertion: a request that waits for a fetch it
 * should have abandoned overshoots by far more (a hang lasts until the issuer closes; `slow` answers
 * after 5 s, well past timeout + margin).
 */
export const WAIT_MARGIN_MS = 1_500;

export type JwksInit = NonNullable<VerifierOptions['jwks']>;

export type EventName = 'jwks_fetched' | 'jwks_refresh_failed' | 'jwks_stale' | 'keys_unavailable' | 'discovery_failed' | 'token_rejected';
export const EVENT_NAMES: readonly EventName[] = [
  'jwks_fetched',
  'jwks_refresh_failed',
  'jwks_stale',
  'keys_unavailable',
  'discovery_failed',
  'token_rejected',
];

/**
 * What a scenario sends:
 * - `valid`: a fresh RS256 token from the issuer's current key (a new `jti` each time)
 * - `valid-es256`, `valid-eddsa`: the same with the EC and OKP keys
 * - `reused`: one token minted when the rig started, sent again and again (the verified-token cache)
 * - `attacker`: right kid, signed by a key the issuer never published
 * - `unknown-kid`: signed by the current key under a random kid
 * - `unknown-issuer`: a good signature, but an `iss` the verifier does not trust
 * - `malformed`: not a JWS at all
 */
export type TokenKind = 'valid' | 'valid-es256' | 'valid-eddsa' | 'reused' | 'attacker' | 'unknown-kid' | 'unknown-issuer' | 'malformed';

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  readonly elapsedMs: number;
}

export interface RigOptions {
  /** Discover the JWKS URI from the issuer's metadata instead of configuring it. */
  discovery?: boolean;
  jwks?: JwksInit;
}

let unknownKidCounter = 0;

export class FaultRig {
  readonly issuer: FakeIssuer;
  readonly verifier: Verifier;
  readonly app: RunningApp;
  readonly options: Required<RigOptions>;
  /** Fake clock of the JWKS cache and discovery, in epoch milliseconds. */
  readonly #clock: { now: number };
  readonly events: Record<EventName, number>;
  readonly rejections: TokenRejectedEvent[] = [];
  /** Failed JWKS fetches whose error was a network failure (reset): core retries those once. */
  networkFailures = 0;
  readonly #reused: string;

  private constructor(issuer: FakeIssuer, verifier: Verifier, app: RunningApp, options: Required<RigOptions>, clock: { now: number }) {
    this.issuer = issuer;
    this.verifier = verifier;
    this.app = app;
    this.options = options;
    this.#clock = clock;
    this.events = Object.fromEntries(EVENT_NAMES.map((name) => [name, 0])) as Record<EventName, number>;
    for (const name of EVENT_NAMES) {
      // Registered through a widened signature: the listener only counts.
      (verifier.on as (event: string, listener: (...args: unknown[]) => void) => Verifier)(name, (...args) => {
        this.events[name] += 1;
        if (name === 'token_rejected') this.rejections.push(args[0] as TokenRejectedEvent);
        if (name === 'jwks_refresh_failed' && (args[0] as { error?: { kind?: unknown } }).error?.kind === 'network') this.networkFailures += 1;
      });
    }
    this.#reused = issuer.mint();
  }

  /**
   * A rig on a shared, already running issuer (starting one costs over a second of key generation):
   * its modes and counters are reset here, its keys repaired by {@link FaultRig.close}.
   */
  static async start(adapter: AdapterUnderTest, issuer: FakeIssuer, options: RigOptions = {}): Promise<FaultRig> {
    const resolved: Required<RigOptions> = { discovery: options.discovery ?? false, jwks: { ...FAULT_JWKS, ...options.jwks } };
    issuer.setJwksMode('up');
    issuer.setMetadataMode('up');
    issuer.resetStats();
    const start = Date.UTC(2030, 0, 1);
    const clock = { now: start };
    const verifier = createVerifier({
      issuer: issuer.url,
      audience: issuer.audience,
      ...(resolved.discovery ? {} : { jwksUri: issuer.jwksUri }),
      // An injected clock also gives the rig a private JWKS cache: scenarios never share keys.
      jwks: { ...resolved.jwks, now: () => clock.now },
    });
    let app: RunningApp;
    try {
      app = await adapter.start(verifier);
    } catch (error) {
      verifier.close();
      throw error;
    }
    return new FaultRig(issuer, verifier, app, resolved, clock);
  }

  /** The longest any request may wait: one fetch timeout per network step on its path, plus margin. */
  get maxWaitMs(): number {
    const timeout = this.options.jwks.timeout ?? FAULT_JWKS.timeout;
    // With discovery a cold request first spends up to one timeout on the metadata, then one on the JWKS.
    return timeout * (this.options.discovery ? 2 : 1) + WAIT_MARGIN_MS;
  }

  get now(): number {
    return this.#clock.now;
  }

  advance(ms: number): void {
    this.#clock.now += ms;
  }

  /** JWKS fetches the verifier started (each is one HTTP request, or two after a network failure). */
  get verifierFetches(): number {
    return this.verifier.stats().issuers[this.issuer.url]?.fetches ?? 0;
  }

  /** JWKS requests the issuer received. */
  get jwksRequests(): number {
    return this.issuer.stats.jwksRequests;
  }

  get metadataFetches(): number {
    return this.issuer.stats.metadataRequests;
  }

  token(kind: TokenKind): string {
    switch (kind) {
      case 'valid':
        return this.issuer.mint();
      case 'valid-es256':
        return this.issuer.mint({}, { alg: 'ES256' });
      case 'valid-eddsa':
        return this.issuer.mint({}, { alg: 'EdDSA' });
      case 'reused':
        return this.#reused;
      case 'attacker':
        return this.issuer.mint({}, { key: 'attacker' });
      case 'unknown-kid':
        return this.issuer.mint({}, { kid: `unknown-${++unknownKidCounter}` });
      case 'unknown-issuer':
        return this.issuer.mint({ iss: 'https://issuer.invalid/' });
      case 'malformed':
        return 'not.a-jws';
    }
  }

  /** Sends `count` requests at once, each checked against the shared invariants. */
  async send(kind: TokenKind, count = 1, path = '/protected'): Promise<Reply[]> {
    const tokens = Array.from({ length: count }, () => this.token(kind));
    return Promise.all(tokens.map((token) => this.request(token, path)));
  }

  async request(token: string, path = '/protected'): Promise<Reply> {
    const started = performance.now();
    const response = await fetch(`${this.app.url}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      // Bounds the test itself; far above any limit asserted below.
      signal: AbortSignal.timeout(10_000),
    });
    const body = await response.text();
    const reply: Reply = { status: response.status, headers: response.headers, body, elapsedMs: performance.now() - started };
    checkInvariants(reply, token, this.maxWaitMs);
    return reply;
  }

  /**
   * Waits until every JWKS fetch the verifier started has finished (background refreshes included),
   * so that fetch counts are exact. Bounded: a fetch ends within its timeout.
   */
  async settle(): Promise<void> {
    const deadline = performance.now() + this.maxWaitMs + 1_000;
    for (;;) {
      const started = this.verifierFetches;
      const finished = this.events.jwks_fetched + this.events.jwks_refresh_failed;
      if (finished >= started) return;
      if (performance.now() > deadline) throw new Error(`${started - finished} JWKS fetch(es) still running after ${this.maxWaitMs + 1_000} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Closes the verifier and the app; leaves the issuer up, with every current key published again. */
  async close(): Promise<void> {
    this.verifier.close();
    await this.app.close();
    this.issuer.setJwksMode('up');
    this.issuer.setMetadataMode('up');
    const published = new Set(this.issuer.kids());
    if (!(['RS256', 'ES256', 'EdDSA'] as const).every((alg) => published.has(this.issuer.currentKid(alg)))) {
      this.issuer.rotateKeys();
    }
  }
}

/** The invariants of every reply in every scenario. */
export function checkInvariants(reply: Reply, token: string, maxWaitMs: number): void {
  expect(reply.status, 'never a 500').not.toBe(500);
  expect([200, 400, 401, 403, 503], `status ${reply.status} is none of the answers DESIGN.md lists`).toContain(reply.status);
  expect(reply.elapsedMs, `a request waited ${Math.round(reply.elapsedMs)} ms, more than ${maxWaitMs} ms`).toBeLessThanOrEqual(maxWaitMs);
  if (token.length >= 8) expect(reply.body.includes(token), 'the body never holds the token').toBe(false);
  if (reply.status === 503) {
    expect(reply.headers.get('retry-after') ?? '').toMatch(/^[1-9]\d*$/);
    expect(reply.headers.get('www-authenticate')).toBeNull();
    expect(JSON.parse(reply.body)).toMatchObject({ error: 'keys_unavailable' });
  } else if (reply.status === 401) {
    expect(reply.headers.get('www-authenticate') ?? '').toMatch(/^Bearer\b/);
  }
}
