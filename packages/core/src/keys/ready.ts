/**
 * `verifier.ready()`: what every configured issuer needs before its first token, had now: discovery
 * and the JWKS (or the issuer's own `keySource`), and the introspection endpoint.
 */
import type { VerificationKey } from './jwk-import.js';

/** What one issuer needs ahead of its first token; either part may be absent. */
export interface IssuerPreparation {
  /** The issuer's keys: its JWKS cache (discovery first) or its bounded `keySource`. */
  readonly keys: { load(kid: string | undefined): Promise<readonly VerificationKey[]> } | undefined;
  /** Its introspector: discovers the introspection endpoint when it is not configured. */
  readonly introspector: { resolveEndpoint(): Promise<string> } | undefined;
}

/**
 * Loads every issuer's keys and introspection endpoint at once and waits for all of them (each bounded
 * by its own timeout). Rejects with the first failure in issuer order: the same `KeysUnavailableError`
 * or `IntrospectionUnavailableError` (503) a request would have got.
 *
 * @example
 * ```ts
 * await prepareIssuers([{ keys: issuerKeys, introspector: undefined }]);
 * ```
 */
export async function prepareIssuers(issuers: Iterable<IssuerPreparation>): Promise<void> {
  const work: Promise<unknown>[] = [];
  for (const { keys, introspector } of issuers) {
    if (keys !== undefined) work.push(keys.load(undefined));
    if (introspector !== undefined) work.push(introspector.resolveEndpoint());
  }
  const failure = (await Promise.allSettled(work)).find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}
