/**
 * The fault scenario table (issue #5), run against every adapter by `faults.test.ts`.
 *
 * Settings of every row unless it says otherwise (`FAULT_JWKS`): fetch timeout 300 ms, errorCooldown
 * 1 s, unknown-kid cooldown 2 s, cacheMaxAge 60 s, staleIfError 120 s, so keys serve for 60 s, then
 * stale for 120 s more while refreshes fail, then the verifier answers 503. The cache clock is fake
 * (`advance` moves it); fetch timeouts are real.
 *
 * `jwks` on a `send` step is the total of JWKS fetches the verifier started, once every fetch has
 * finished; the issuer must have received exactly that many requests, plus at most one retry per
 * fetch that failed on the network (core retries a reset connection once, within the same timeout).
 * `metadata` is the issuer's total of metadata requests. `events` are cumulative counts of the
 * verifier's events.
 */
import type { FaultMode } from '@portcullis/testing';
import type { EventName, JwksInit, TokenKind } from './helpers/rig.js';

/** An exact count, or an inclusive range. */
export type Count = number | readonly [min: number, max: number];

export type Step =
  | { do: 'jwks'; mode: FaultMode; delayMs?: number }
  | { do: 'metadata'; mode: FaultMode; delayMs?: number }
  | { do: 'advance'; ms: number }
  | {
      do: 'send';
      token: TokenKind;
      count: number;
      status: number;
      path?: string;
      jwks?: Count;
      metadata?: Count;
    }
  | { do: 'events'; expect: Partial<Record<EventName, Count>> }
  | { do: 'rotate'; retireOld: boolean }
  | { do: 'remove-current-rsa-key' }
  | { do: 'unpublish-all-keys' }
  | { do: 'republish-saved-keys' }
  | { do: 'publish-unusable-keys' };

export interface Scenario {
  readonly name: string;
  readonly discovery?: boolean;
  readonly jwks?: JwksInit;
  readonly steps: readonly Step[];
}

// --- step builders, so rows read as a script --------------------------------------------------------

const jwks = (mode: FaultMode, delayMs?: number): Step => ({ do: 'jwks', mode, ...(delayMs === undefined ? {} : { delayMs }) });
const metadata = (mode: FaultMode, delayMs?: number): Step => ({ do: 'metadata', mode, ...(delayMs === undefined ? {} : { delayMs }) });
const advance = (ms: number): Step => ({ do: 'advance', ms });
const events = (expect: Partial<Record<EventName, Count>>): Step => ({ do: 'events', expect });
function send(token: TokenKind, status: number, counts: { count?: number; jwks?: Count; metadata?: Count; path?: string } = {}): Step {
  const { count = 1, ...rest } = counts;
  return { do: 'send', token, status, count, ...rest };
}

const CACHE_MAX_AGE = 60_000;
const STALE_IF_ERROR = 120_000;
const ERROR_COOLDOWN = 1_000;
const COOLDOWN = 2_000;

/** How each failing JWKS answer is produced; most are a fake-issuer mode. */
interface Failure {
  readonly label: string;
  readonly start: readonly Step[];
  readonly stop: readonly Step[];
}
const mode = (m: FaultMode, label: string, delayMs?: number): Failure => ({ label, start: [jwks(m, delayMs)], stop: [jwks('up')] });

const JWKS_FAILURES: readonly Failure[] = [
  mode('down', 'down (503)'),
  mode('error', 'failing (500)'),
  mode('hang', 'hanging past the timeout'),
  mode('slow', 'slower than the timeout (5 s)', 5_000),
  mode('garbage', 'serving non-JSON'),
  mode('no-keys', 'serving JSON without "keys"'),
  mode('empty', 'serving an empty key list'),
  mode('huge', 'serving a 10 MB body'),
  mode('reset', 'resetting the connection'),
  mode('redirect', 'redirecting (redirects are not followed)'),
  {
    label: 'serving only keys of unknown or unusable types',
    start: [{ do: 'unpublish-all-keys' }, { do: 'publish-unusable-keys' }],
    stop: [{ do: 'republish-saved-keys' }],
  },
];

/** Cold start: nothing cached. Every request is 503 (never a hang), one fetch per errorCooldown. */
function coldStart(failure: Failure): Scenario {
  return {
    name: `JWKS ${failure.label} at cold start: 503 with Retry-After, one fetch per errorCooldown, recovery`,
    steps: [
      ...failure.start,
      send('valid', 503, { count: 5, jwks: 1 }),
      events({ jwks_refresh_failed: 1, keys_unavailable: 1, jwks_fetched: 0 }),
      send('valid', 503, { count: 2, jwks: 1 }),
      // Refusals that need no key are not held hostage by the outage.
      send('unknown-issuer', 401, { jwks: 1 }),
      send('malformed', 401, { jwks: 1 }),
      advance(ERROR_COOLDOWN),
      send('valid', 503, { jwks: 2 }),
      ...failure.stop,
      advance(ERROR_COOLDOWN),
      send('valid', 200, { count: 5, jwks: 3 }),
      send('valid-es256', 200, { jwks: 3 }),
      events({ jwks_fetched: 1, jwks_refresh_failed: 2 }),
    ],
  };
}

/**
 * After warm-up: cached keys keep serving through cacheMaxAge and the stale window, refreshed in the
 * background (requests never wait for a refresh), then 503 once the window has passed, then recovery.
 */
function afterWarmUp(failure: Failure): Scenario {
  return {
    name: `JWKS ${failure.label} after warm-up: cached keys serve through the stale window, 503 after it, recovery`,
    steps: [
      send('valid', 200, { count: 3, jwks: 1 }),
      send('reused', 200, { jwks: 1 }),
      ...failure.start,
      send('valid', 200, { jwks: 1 }),
      advance(CACHE_MAX_AGE),
      send('valid', 200, { count: 3, jwks: 2 }),
      events({ jwks_refresh_failed: 1, jwks_stale: 1, keys_unavailable: 0 }),
      send('valid', 200, { jwks: 2 }),
      send('reused', 200, { jwks: 2 }),
      advance(ERROR_COOLDOWN),
      send('valid', 200, { jwks: 3 }),
      events({ jwks_stale: 2 }),
      // The last second of the stale window (age 179 s of 180 s).
      advance(CACHE_MAX_AGE + STALE_IF_ERROR - ERROR_COOLDOWN - CACHE_MAX_AGE - ERROR_COOLDOWN),
      send('valid', 200, { jwks: 4 }),
      send('reused', 200, { jwks: 4 }),
      advance(ERROR_COOLDOWN),
      send('valid', 503, { count: 3, jwks: 5 }),
      send('reused', 503, { jwks: 5 }),
      events({ keys_unavailable: 1, jwks_fetched: 1 }),
      ...failure.stop,
      advance(ERROR_COOLDOWN),
      send('valid', 200, { count: 3, jwks: 6 }),
      send('reused', 200, { jwks: 6 }),
      events({ jwks_fetched: 2 }),
    ],
  };
}

/** Discovery metadata failing at cold start: both documents tried, 503, discovery retried after errorCooldown. */
function discoveryColdStart(m: FaultMode, label: string, metadataFetches: Count, delayMs?: number): Scenario {
  return {
    name: `discovery ${label} at cold start: 503 with Retry-After, no JWKS fetch, recovery; later metadata faults do not matter`,
    discovery: true,
    steps: [
      metadata(m, delayMs),
      send('valid', 503, { count: 5, jwks: 0, metadata: metadataFetches }),
      events({ discovery_failed: 1 }),
      send('unknown-issuer', 401, { jwks: 0 }),
      metadata('up'),
      // Within errorCooldown discovery is not retried, even though the issuer is back.
      send('valid', 503, { jwks: 0 }),
      events({ discovery_failed: 1 }),
      advance(ERROR_COOLDOWN),
      send('valid', 200, { count: 3, jwks: 1 }),
      metadata(m, delayMs),
      advance(CACHE_MAX_AGE),
      send('valid', 200, { jwks: 2 }),
      events({ discovery_failed: 1, jwks_fetched: 2 }),
    ],
  };
}

const SCENARIOS_LIST: Scenario[] = [
  ...JWKS_FAILURES.map(coldStart),
  ...JWKS_FAILURES.map(afterWarmUp),
  {
    name: 'JWKS slow but within the timeout at cold start: concurrent requests share one fetch and pass',
    steps: [jwks('slow', 100), send('valid', 200, { count: 10, jwks: 1 }), events({ jwks_fetched: 1 })],
  },
  {
    name: 'JWKS slow but within the timeout after warm-up: the background refresh succeeds, no request waits for it',
    steps: [
      send('valid', 200, { jwks: 1 }),
      jwks('slow', 200),
      advance(CACHE_MAX_AGE),
      send('valid', 200, { count: 5, jwks: 2 }),
      events({ jwks_fetched: 2, jwks_stale: 0, jwks_refresh_failed: 0 }),
    ],
  },
  {
    name: 'JWKS with keys of unknown types next to usable ones: the unusable entries are skipped',
    steps: [
      { do: 'publish-unusable-keys' },
      send('valid', 200, { count: 3, jwks: 1 }),
      send('valid-es256', 200, { jwks: 1 }),
      send('valid-eddsa', 200, { jwks: 1 }),
    ],
  },
  {
    name: 'JWKS flapping up and down every max age: every request passes, one refresh per max age',
    steps: [
      send('valid', 200, { jwks: 1 }),
      ...(['down', 'up', 'reset', 'up', 'hang', 'up', 'garbage', 'up'] as const).flatMap((m, i) => [
        jwks(m),
        advance(CACHE_MAX_AGE),
        send('valid', 200, { count: 3, jwks: i + 2 }),
        send('reused', 200, { jwks: i + 2 }),
      ]),
      events({ jwks_fetched: 5, jwks_refresh_failed: 4, jwks_stale: 4, keys_unavailable: 0 }),
    ],
  },
  {
    name: 'JWKS flapping at cold start: 503 while down, 200 as soon as a fetch succeeds, cached keys after',
    steps: [
      jwks('down'),
      send('valid', 503, { jwks: 1 }),
      jwks('up'),
      advance(ERROR_COOLDOWN),
      send('valid', 200, { jwks: 2 }),
      jwks('reset'),
      send('valid', 200, { count: 3, jwks: 2 }),
      jwks('hang'),
      advance(CACHE_MAX_AGE),
      send('valid', 200, { count: 3, jwks: 3 }),
      jwks('up'),
      advance(ERROR_COOLDOWN),
      send('valid', 200, { jwks: 4 }),
      events({ jwks_fetched: 2, jwks_refresh_failed: 2, jwks_stale: 1, keys_unavailable: 1 }),
    ],
  },
  {
    name: 'keys rotated while traffic flows: a new kid triggers one refetch for all concurrent requests; old tokens pass while published',
    steps: [
      send('valid', 200, { count: 3, jwks: 1 }),
      send('reused', 200, { jwks: 1 }),
      advance(COOLDOWN),
      { do: 'rotate', retireOld: false },
      send('valid', 200, { count: 10, jwks: 2 }),
      send('reused', 200, { jwks: 2 }),
      send('valid-es256', 200, { jwks: 2 }),
      advance(COOLDOWN),
      { do: 'rotate', retireOld: true },
      send('valid', 200, { count: 5, jwks: 3 }),
      // The first key left the JWKS at the last refetch: its tokens stop, cached or not.
      send('reused', 401, { jwks: 3 }),
      events({ jwks_fetched: 3, jwks_refresh_failed: 0 }),
    ],
  },
  {
    // The unknown-kid cooldown counts from the last refetch an unknown kid caused, not from any fetch.
    name: 'a key rotated in just after a fetch: the first token with the new kid refetches at once and passes',
    steps: [
      send('valid', 200, { jwks: 1 }),
      { do: 'rotate', retireOld: false },
      send('valid', 200, { count: 3, jwks: 2 }),
      // That refetch was for an unknown kid: the next one waits for the cooldown.
      send('unknown-kid', 401, { count: 3, jwks: 2 }),
      { do: 'rotate', retireOld: false },
      send('valid', 401, { count: 3, jwks: 2 }),
      advance(COOLDOWN),
      send('valid', 200, { count: 3, jwks: 3 }),
    ],
  },
  {
    name: 'signing key removed while traffic flows: its tokens pass until the next refresh, then 401',
    steps: [
      send('valid', 200, { count: 3, jwks: 1 }),
      send('reused', 200, { jwks: 1 }),
      { do: 'remove-current-rsa-key' },
      send('valid', 200, { jwks: 1 }),
      advance(CACHE_MAX_AGE),
      // This request starts the refresh and is served from the keys it had.
      send('valid', 200, { jwks: 2 }),
      // The removed kid is now unknown: one refetch at once, then one per cooldown.
      send('valid', 401, { count: 3, jwks: 3 }),
      send('reused', 401, { jwks: 3 }),
      send('valid-es256', 200, { jwks: 3 }),
      advance(COOLDOWN),
      send('valid', 401, { jwks: 4 }),
      events({ jwks_fetched: 4 }),
    ],
  },
  {
    name: 'a flood of unknown kids and forged tokens during an outage: 401, at most one refetch per cooldown',
    steps: [
      send('valid', 200, { jwks: 1 }),
      send('unknown-kid', 401, { count: 50, jwks: 2 }),
      advance(COOLDOWN),
      send('unknown-kid', 401, { count: 50, jwks: 3 }),
      jwks('hang'),
      advance(COOLDOWN),
      send('unknown-kid', 401, { count: 20, jwks: 4 }),
      send('attacker', 401, { count: 20, jwks: 4 }),
      send('valid', 200, { count: 5, jwks: 4 }),
    ],
  },
  {
    name: 'JWKS hanging with no key cached: concurrent requests share one fetch and all get 503 within the timeout',
    steps: [
      jwks('hang'),
      send('valid', 503, { count: 20, jwks: 1 }),
      send('attacker', 503, { count: 5, jwks: 1 }),
      events({ jwks_refresh_failed: 1, keys_unavailable: 1 }),
    ],
  },
  discoveryColdStart('down', 'down (503)', 2),
  discoveryColdStart('error', 'failing (500)', 2),
  discoveryColdStart('hang', 'hanging past the timeout', [1, 2]),
  discoveryColdStart('slow', 'slower than the timeout (5 s)', [1, 2], 5_000),
  discoveryColdStart('garbage', 'serving non-JSON', 2),
  discoveryColdStart('empty', 'serving an empty document', 2),
  discoveryColdStart('huge', 'serving a 10 MB body', 2),
  // Each document is retried once after a reset, so 2 to 4 requests.
  discoveryColdStart('reset', 'resetting the connection', [2, 4]),
  discoveryColdStart('redirect', 'redirecting', 2),
  {
    name: 'discovery slow but within the timeout, then a slow JWKS: one discovery, one fetch, all pass',
    discovery: true,
    steps: [
      metadata('slow', 150),
      jwks('slow', 150),
      send('valid', 200, { count: 5, jwks: 1, metadata: 1 }),
      events({ discovery_failed: 0, jwks_fetched: 1 }),
    ],
  },
  {
    name: 'discovery up, JWKS down at cold start: 503, then recovery without a second discovery',
    discovery: true,
    steps: [
      jwks('down'),
      send('valid', 503, { count: 3, jwks: 1, metadata: 1 }),
      jwks('up'),
      advance(ERROR_COOLDOWN),
      send('valid', 200, { count: 3, jwks: 2, metadata: 1 }),
      events({ discovery_failed: 0, keys_unavailable: 1 }),
    ],
  },
];

export const SCENARIOS: readonly Scenario[] = SCENARIOS_LIST;
