/**
 * What the guard leaves on the request for `@Auth()` (and for itself, when it is applied twice).
 */
import type { AccessToken } from '@portcullis/core';

/** The guard's verdict on one request: it ran, and this is the token it verified (if any). */
export interface GuardVerdict {
  readonly auth: AccessToken | undefined;
}

// Module-private: a symbol never shows in JSON, logs or Object.keys(request).
const VERDICT = Symbol('@portcullis/nestjs verdict');

type WithVerdict = { [VERDICT]?: GuardVerdict; auth?: AccessToken | undefined };

export function setVerdict(request: object, verdict: GuardVerdict): void {
  const target = request as WithVerdict;
  target[VERDICT] = verdict;
  // Also where the other adapters put it, for code that reads `req.auth` / `request.auth`.
  if (verdict.auth !== undefined) target.auth = verdict.auth;
}

export function verdictOf(request: object): GuardVerdict | undefined {
  return (request as WithVerdict)[VERDICT];
}
