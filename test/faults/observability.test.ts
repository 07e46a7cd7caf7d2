/**
 * Issue #5, observability: the verifier's events fire with the documented payloads and never carry a
 * token, a response body or key material; `stats()` counts; `close()` leaves no open handle.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DiscoveryError,
  FetchError,
  JwksError,
  createVerifier,
  type RejectReason,
  type RequestDescriptor,
  type Verifier,
  type VerifierEvents,
  type VerifierOptions,
} from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { trackUnhandledRejections } from './helpers/process-guards.js';

type EventLog = { [K in keyof VerifierEvents]: VerifierEvents[K][0][] };

let issuer: FakeIssuer;
const open: Verifier[] = [];
const unhandled = trackUnhandledRejections();
const clock = { now: Date.UTC(2030, 0, 1) };

/** A verifier on the fake issuer, with a fake JWKS clock and every event recorded. */
function observed(options: Partial<VerifierOptions> = {}): { verifier: Verifier; log: EventLog } {
  const verifier = createVerifier({
    issuer: issuer.url,
    audience: issuer.audience,
    jwksUri: issuer.jwksUri,
    ...options,
    jwks: { timeout: 300, errorCooldown: 1_000, cooldown: 2_000, cacheMaxAge: 60_000, staleIfError: 120_000, now: () => clock.now, ...options.jwks },
  } as VerifierOptions);
  open.push(verifier);
  const log: EventLog = {
    jwks_fetched: [], jwks_refresh_failed: [], jwks_stale: [], keys_unavailable: [], discovery_failed: [], token_rejected: [],
    introspection_completed: [], introspection_failed: [], introspection_cache_failed: [], replay_store_failed: [],
  };
  for (const name of Object.keys(log) as (keyof EventLog)[]) {
    (verifier.on as (event: string, listener: (payload: never) => void) => Verifier)(name, (payload) => {
      (log[name] as unknown[]).push(payload);
    });
  }
  return { verifier, log };
}

/** Settles a verification: the token, or the rejection's reason. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return (error as { reason?: string }).reason ?? `not an AuthError: ${String(error)}`;
  }
}

/** Waits until the verifier's started JWKS fetches have all finished (bounded). */
async function settled(verifier: Verifier, log: EventLog): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const started = verifier.stats().issuers[issuer.url]?.fetches ?? 0;
    if (log.jwks_fetched.length + log.jwks_refresh_failed.length >= started) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('JWKS fetches did not finish within 2 s');
}

/** Everything an event could leak, deeply rendered: payload, error message, cause chain. */
function rendered(log: EventLog): string {
  return inspect(log, { depth: 12, showHidden: false, maxArrayLength: null, maxStringLength: null });
}

beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterEach(() => {
  for (const verifier of open.splice(0)) verifier.close();
  issuer.setJwksMode('up');
  issuer.setMetadataMode('up');
  expect(unhandled.reasons).toEqual([]);
});
afterAll(async () => {
  await issuer.close();
});

describe('events: JWKS and discovery', () => {
  it('jwks_fetched fires once per successful fetch, with the URI, the key count and the duration', async () => {
    const { verifier, log } = observed();
    await Promise.all(Array.from({ length: 5 }, () => verifier.verify(issuer.mint())));
    expect(log.jwks_fetched).toHaveLength(1);
    const [event] = log.jwks_fetched;
    expect(event).toEqual({ uri: issuer.jwksUri, keyCount: expect.any(Number) as number, durationMs: expect.any(Number) as number });
    expect(event!.keyCount).toBeGreaterThanOrEqual(3);
    expect(event!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('keys_unavailable and jwks_refresh_failed fire on a failed cold fetch; the error names the cause, never the body', async () => {
    const { verifier, log } = observed();
    issuer.setJwksMode('garbage');
    expect(await outcome(verifier.verify(issuer.mint()))).toBe('keys_unavailable');
    expect(log.jwks_refresh_failed).toHaveLength(1);
    expect(log.keys_unavailable).toHaveLength(1);
    expect(log.jwks_stale).toHaveLength(0);
    const { uri, error } = log.keys_unavailable[0]!;
    expect(uri).toBe(issuer.jwksUri);
    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).kind).toBe('invalid_json');
    // The garbage body is `<html><body>this is not JSON {"keys":[</body></html>`.
    expect(rendered(log)).not.toMatch(/this is not JSON|<html>/);
  });

  it('jwks_refresh_failed carries a JwksError for a JSON document that is no usable key set', async () => {
    const { verifier, log } = observed();
    issuer.setJwksMode('empty');
    expect(await outcome(verifier.verify(issuer.mint()))).toBe('keys_unavailable');
    expect(log.jwks_refresh_failed[0]!.error).toBeInstanceOf(JwksError);
    expect((log.jwks_refresh_failed[0]!.error as JwksError).kind).toBe('no_usable_keys');
  });

  it('jwks_stale fires when a refresh fails while keys past cacheMaxAge keep serving, with their age', async () => {
    const { verifier, log } = observed();
    expect(await outcome(verifier.verify(issuer.mint()))).toBe('ok');
    issuer.setJwksMode('down');
    clock.now += 61_000;
    expect(await outcome(verifier.verify(issuer.mint()))).toBe('ok');
    await settled(verifier, log);
    expect(log.jwks_stale).toEqual([{ uri: issuer.jwksUri, ageMs: 61_000 }]);
    expect(log.jwks_refresh_failed).toHaveLength(1);
    expect(log.keys_unavailable).toHaveLength(0);
    expect(verifier.stats().issuers[issuer.url]).toMatchObject({ stale: true, fetches: 2, fetchFailures: 1 });
  });

  it('discovery_failed fires with the issuer and a DiscoveryError; the 503 follows', async () => {
    const { verifier, log } = observed({ jwksUri: undefined });
    issuer.setMetadataMode('down');
    expect(await outcome(verifier.verify(issuer.mint()))).toBe('keys_unavailable');
    expect(log.discovery_failed).toHaveLength(1);
    const { issuer: named, error } = log.discovery_failed[0]!;
    expect(named).toBe(issuer.url);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as DiscoveryError).kind).toBe('fetch_failed');
    expect((error as DiscoveryError).attempts).toHaveLength(2);
    expect(verifier.stats().issuers[issuer.url]).toMatchObject({ discoveryFailures: 1, jwksUri: undefined, fetches: 0 });
  });

  it('a throwing event listener neither breaks key loading nor becomes an unhandled rejection', async () => {
    const { verifier } = observed();
    verifier.on('jwks_fetched', () => {
      throw new Error('deliberate listener failure (observability test)');
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      expect(await outcome(verifier.verify(issuer.mint()))).toBe('ok');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.message)).toContain('deliberate listener failure (observability test)');
  });
});

describe('events: token_rejected', () => {
  const descriptor = (headers: RequestDescriptor['headers'], extra: Partial<RequestDescriptor> = {}): RequestDescriptor => ({
    method: 'GET',
    url: '/',
    headers,
    ...extra,
  });
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

  /** Every reason the verifier can give, with a request that produces it. */
  const cases: { reason: RejectReason; status: number; run: (verifier: Verifier) => unknown; options?: Partial<VerifierOptions> }[] = [
    { reason: 'credentials_missing', status: 401, run: (v) => v.verify(descriptor({})) },
    { reason: 'malformed_authorization', status: 400, run: (v) => v.verify(descriptor({ authorization: 'Bearer a b' })) },
    {
      reason: 'multiple_credentials',
      status: 400,
      run: (v) => v.verify(descriptor({ authorization: `Bearer ${issuer.mint()}` }, { rawHeaders: ['Authorization', 'Bearer a', 'authorization', 'Bearer b'] })),
    },
    { reason: 'unsupported_credential_location', status: 400, run: (v) => v.verify(descriptor({}, { url: `/?access_token=${issuer.mint()}` })) },
    { reason: 'token_too_large', status: 401, run: (v) => v.verify(`${issuer.mint()}${'A'.repeat(8192)}`) },
    { reason: 'malformed_token', status: 401, run: (v) => v.verify('not-a-jws') },
    { reason: 'malformed_header', status: 401, run: (v) => v.verify(`${b64({ alg: 7 })}.${b64({})}.AAAA`) },
    { reason: 'malformed_payload', status: 401, run: (v) => v.verify(`${b64({ alg: 'RS256' })}.${b64([1])}.AAAA`) },
    { reason: 'unsupported_crit', status: 401, run: (v) => v.verify(issuer.mint({}, { header: { crit: ['exp'] } })) },
    { reason: 'unencoded_payload', status: 401, run: (v) => v.verify(issuer.mint({}, { header: { b64: false } })) },
    { reason: 'algorithm_not_allowed', status: 401, run: (v) => v.verify(issuer.mint({}, { alg: 'none' })) },
    { reason: 'unknown_key', status: 401, run: async (v) => (await v.verify(issuer.mint()), v.verify(issuer.mint({}, { kid: 'nobody' }))) },
    { reason: 'key_mismatch', status: 401, run: (v) => v.verify(issuer.mint({}, { alg: 'ES256', kid: issuer.currentKid('RS256') })) },
    { reason: 'invalid_signature', status: 401, run: (v) => v.verify(issuer.mint({}, { key: 'attacker' })) },
    { reason: 'invalid_type', status: 401, run: (v) => v.verify(issuer.mint({}, { header: { typ: 'dpop+jwt' } })) },
    { reason: 'invalid_issuer', status: 401, run: (v) => v.verify(issuer.mint({ iss: 'https://elsewhere.example/' })) },
    { reason: 'invalid_audience', status: 401, run: (v) => v.verify(issuer.mint({ aud: 'https://other-api.example' })) },
    { reason: 'missing_claim', status: 401, run: (v) => v.verify(issuer.mint({ exp: undefined })) },
    { reason: 'invalid_claim', status: 401, run: (v) => v.verify(issuer.mint({ exp: 'tomorrow' })) },
    { reason: 'expired', status: 401, run: (v) => v.verify(issuer.mint({}, { lifetime: -60 })) },
    { reason: 'not_yet_valid', status: 401, run: (v) => v.verify(issuer.mint({ nbf: Math.floor(Date.now() / 1000) + 3600 })) },
    { reason: 'issued_in_future', status: 401, run: (v) => v.verify(issuer.mint({}, { now: Math.floor(Date.now() / 1000) + 3600 })) },
    { reason: 'too_old', status: 401, options: { maxTokenAge: 60 }, run: (v) => v.verify(issuer.mint({}, { now: Math.floor(Date.now() / 1000) - 120 })) },
    { reason: 'custom_validation_failed', status: 401, options: { validate: () => false }, run: (v) => v.verify(issuer.mint()) },
    { reason: 'insufficient_scope', status: 403, run: async (v) => v.checkScopes(await v.verify(issuer.mint({ scope: 'read' })), { allOf: ['write'] }) },
  ];

  it.each(cases.map((c) => [c.reason, c] as const))('%s: one event with code, reason, status and issuer, and a count in stats()', async (reason, c) => {
    const { verifier, log } = observed(c.options ?? {});
    let thrown: unknown;
    try {
      await c.run(verifier);
    } catch (error) {
      thrown = error;
    }
    expect((thrown as { reason?: unknown } | undefined)?.reason).toBe(reason);
    expect(log.token_rejected.map((e) => e.reason)).toEqual([reason]);
    const event = log.token_rejected[0]!;
    // An unknown issuer also reports the token's own `iss` and the configured issuers next to it (issue 18:
    // a wrong issuer is diagnosed from the event alone; see the verifier's tests).
    expect(Object.keys(event).sort()).toEqual(
      reason === 'invalid_issuer'
        ? ['code', 'configuredIssuers', 'issuer', 'reason', 'status', 'tokenIssuer']
        : ['code', 'issuer', 'reason', 'status'],
    );
    if (reason === 'invalid_issuer') expect((event as { configuredIssuers?: unknown }).configuredIssuers).toEqual([issuer.url]);
    expect(event.status).toBe(c.status);
    expect(event.code).toBe((thrown as { code: string }).code);
    const stats = verifier.stats();
    expect(stats.rejectedByReason).toEqual({ [reason]: 1 });
    expect(stats.rejected).toBe(1);
  });

  it('keys_unavailable: a 503 is reported as a token_rejected event too, naming the issuer', async () => {
    const { verifier, log } = observed();
    issuer.setJwksMode('down');
    expect(await outcome(verifier.verify(issuer.mint()))).toBe('keys_unavailable');
    expect(log.token_rejected).toEqual([{ code: 'keys_unavailable', reason: 'keys_unavailable', status: 503, issuer: issuer.url }]);
  });

  it('no event, error message or cause ever holds a token, a signature or key material', async () => {
    const { verifier, log } = observed();
    const tokens: string[] = [];
    const send = async (token: string): Promise<void> => {
      tokens.push(token);
      await outcome(verifier.verify(token));
    };
    await send(issuer.mint());
    await send(issuer.mint({}, { key: 'attacker' }));
    await send(issuer.mint({}, { lifetime: -60 }));
    await send(issuer.mint({ iss: 'https://elsewhere.example/' }));
    await send(issuer.mint({}, { kid: 'nobody' }));
    await send(issuer.mint({}, { header: { jwk: issuer.attackerJwk, jku: 'https://evil.example/jwks' } }));
    issuer.setJwksMode('garbage');
    clock.now += 61_000;
    await send(issuer.mint());
    await settled(verifier, log);
    clock.now += 200_000;
    await send(issuer.mint());
    const text = rendered(log);
    expect(log.token_rejected.length).toBeGreaterThanOrEqual(5);
    expect(log.jwks_refresh_failed.length).toBeGreaterThanOrEqual(2);
    for (const token of tokens) {
      const [header, payload, signature] = token.split('.');
      for (const part of [header!, payload!, signature!]) expect(text.includes(part)).toBe(false);
    }
    const published = issuer.publicJwk(issuer.currentKid('RS256'));
    expect(text.includes(published.n!)).toBe(false);
    expect(text.includes(issuer.attackerJwk.n!)).toBe(false);
  });
});

describe('stats()', () => {
  it('counts verified and rejected tokens, reasons, JWKS fetches and failures, key count, age and token cache use', async () => {
    const { verifier, log } = observed();
    const fetchedAt = clock.now;
    const token = issuer.mint();
    await verifier.verify(token);
    await verifier.verify(token);
    await verifier.verify(issuer.mint({}, { alg: 'ES256' }));
    await outcome(verifier.verify(issuer.mint({}, { lifetime: -60 })));
    await outcome(verifier.verify(issuer.mint({}, { key: 'attacker' })));
    await outcome(verifier.verify(issuer.mint({}, { key: 'attacker' })));
    let stats = verifier.stats();
    expect(stats).toMatchObject({ verified: 3, rejected: 3, rejectedByReason: { expired: 1, invalid_signature: 2 } });
    expect(stats.tokenCache.hits).toBe(1);
    expect(stats.issuers[issuer.url]).toEqual({
      fetches: 1,
      fetchFailures: 0,
      keyCount: new Set(issuer.kids()).size,
      lastFetchAt: fetchedAt,
      stale: false,
      jwksUri: issuer.jwksUri,
      discoveryFailures: 0,
    });

    issuer.setJwksMode('down');
    clock.now += 60_000;
    await verifier.verify(issuer.mint());
    await settled(verifier, log);
    stats = verifier.stats();
    expect(stats.issuers[issuer.url]).toMatchObject({ fetches: 2, fetchFailures: 1, lastFetchAt: fetchedAt, stale: true });
    expect(stats.verified).toBe(4);
  });

  it('stats() is a snapshot: changing it changes nothing in the verifier', async () => {
    const { verifier } = observed();
    await outcome(verifier.verify('garbage'));
    const stats = verifier.stats();
    stats.rejectedByReason.malformed_token = 100;
    expect(verifier.stats().rejectedByReason.malformed_token).toBe(1);
  });
});

describe('close() leaves no open handle', () => {
  const child = fileURLToPath(new URL('./close-child.mjs', import.meta.url));
  const built = existsSync(fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url)));

  /** Runs the child; it must exit by itself well before the kill timer (8 s) fires. */
  async function runChild(scenario: string, jwksUri: string | undefined, setMode: () => void): Promise<Record<string, unknown>> {
    const proc = spawn(process.execPath, [child, scenario, issuer.url, issuer.audience, jwksUri ?? '-'], {
      env: { ...process.env, PORTCULLIS_TEST_TOKEN: issuer.mint() },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (chunk.includes('ready\n')) {
        setMode();
        proc.stdin.end('go\n');
      }
    });
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => proc.kill('SIGKILL'), 8_000);
    const [code, signal] = (await once(proc, 'exit')) as [number | null, NodeJS.Signals | null];
    clearTimeout(killer);
    expect(stderr).toBe('');
    expect(signal, 'the child had to be killed: something kept it alive after close()').toBeNull();
    expect(code).toBe(0);
    const last = stdout.trim().split('\n').at(-1)!;
    return JSON.parse(last) as Record<string, unknown>;
  }

  it('the packages are built (the child process runs dist/)', () => {
    expect(built, 'run `pnpm build` first: the close() child process imports @portcullis/core from dist/').toBe(true);
  });

  it.runIf(built)('a JWKS fetch hanging at cold start: close() rejects the waiting verify with a 503 and the process exits', async () => {
    issuer.setJwksMode('hang');
    const result = await runChild('cold-hang', issuer.jwksUri, () => undefined);
    // Settled by close(), not by the 60 s fetch timeout: the child would have been killed long before.
    expect(result).toMatchObject({ pending: 'KeysUnavailableError', afterClose: 'KeysUnavailableError' });
  });

  it.runIf(built)('discovery hanging at cold start: close() aborts it and the process exits', async () => {
    issuer.setMetadataMode('hang');
    const result = await runChild('discovery-hang', undefined, () => undefined);
    expect(result).toMatchObject({ pending: 'KeysUnavailableError', afterClose: 'KeysUnavailableError' });
  });

  it.runIf(built)('a background refresh hanging after warm-up: close() aborts it and the process exits', async () => {
    const result = await runChild('refresh-hang', issuer.jwksUri, () => issuer.setJwksMode('hang'));
    expect(result).toMatchObject({ warm: 'ok', during: 'ok' });
  });

  it.runIf(built)('an idle verifier with warm keys: close() and the process exits', async () => {
    const result = await runChild('idle', issuer.jwksUri, () => undefined);
    expect(result).toMatchObject({ warm: 'ok' });
  });

  it.runIf(built)('control: a verifier that is not closed keeps a hanging fetch, and the process, alive', async () => {
    issuer.setJwksMode('hang');
    // Without close() the 60 s timeout holds the child: it is killed, which proves runChild can fail.
    const proc = execFile(process.execPath, ['-e', controlScript(issuer.jwksUri, issuer.url, issuer.audience)], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      env: { ...process.env, PORTCULLIS_TEST_TOKEN: issuer.mint() },
    });
    const killer = setTimeout(() => proc.kill('SIGKILL'), 1_500);
    const [, signal] = (await once(proc, 'exit')) as [number | null, NodeJS.Signals | null];
    clearTimeout(killer);
    expect(signal).toBe('SIGKILL');
  });
});

function controlScript(jwksUri: string, issuerUrl: string, audience: string): string {
  return `
    import('@portcullis/core').then(({ createVerifier }) => {
      const verifier = createVerifier({ issuer: ${JSON.stringify(issuerUrl)}, audience: ${JSON.stringify(audience)},
        jwksUri: ${JSON.stringify(jwksUri)}, jwks: { timeout: 60000 } });
      verifier.verify(process.env.PORTCULLIS_TEST_TOKEN).catch(() => {});
    });`;
}

