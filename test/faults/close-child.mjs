// Child process of observability.test.ts: `verifier.close()` must leave no open handle, so this
// process must exit by itself once its verifier is closed, even with a fetch hanging on the issuer.
// Runs on the built package (`pnpm build`): node cannot load the TypeScript sources.
//
// Protocol: argv = [scenario, issuerUrl, audience, jwksUri | '-'], the token in PORTCULLIS_TEST_TOKEN.
// The child prints `ready` once set up, waits for one line on stdin (the parent switches the issuer's
// fault mode in between), plays the scenario, closes the verifier, prints one JSON line and returns
// without calling process.exit.
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createVerifier } from '@portcullis/core';

const [scenario, issuer, audience, jwksUri] = process.argv.slice(2);
const token = process.env.PORTCULLIS_TEST_TOKEN ?? '';

const verifier = createVerifier({
  issuer,
  audience,
  ...(jwksUri === '-' ? {} : { jwksUri }),
  // A hanging fetch would keep a careless implementation alive for a minute.
  jwks: { timeout: 60_000, cacheMaxAge: scenario === 'refresh-hang' ? 0 : 600_000 },
});

/** `ok`, or the name of the error class the promise rejected with. */
const outcome = (promise) =>
  promise.then(
    () => 'ok',
    (error) => (error instanceof Error ? error.constructor.name : 'non-error'),
  );

const result = { scenario };
if (scenario === 'refresh-hang' || scenario === 'idle') result.warm = await outcome(verifier.verify(token));

process.stdout.write('ready\n');
await once(process.stdin, 'data');
process.stdin.destroy();

if (scenario === 'refresh-hang') {
  // Served from the cache while the refresh it started hangs on the issuer.
  result.during = await outcome(verifier.verify(token));
  verifier.close();
} else if (scenario === 'cold-hang' || scenario === 'discovery-hang') {
  const pending = outcome(verifier.verify(token));
  await sleep(200);
  const closedAt = performance.now();
  verifier.close();
  result.pending = await pending;
  result.settledAfterCloseMs = Math.round(performance.now() - closedAt);
  // A verifier must not be used after close, but if it is, it refuses rather than hangs.
  result.afterClose = await outcome(verifier.verify(token));
} else {
  verifier.close();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
