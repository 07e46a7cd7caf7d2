/** The challenge contexts of a verifier: which schemes it offers, and which one answers each refusal. */
import type { ResolvedDpop } from '../binding/dpop-options.js';
import type { ChallengeContext, TokenScheme } from './challenge.js';

/**
 * One context per scheme a client may have used ('none' for no credential). A refusal answers in the
 * scheme the client used (RFC 9449 §7.2), or the one accepted scheme; with no credential, none
 * (formatChallenges offers every accepted scheme, or the first for an error code).
 */
export function challengeContexts(dpop: ResolvedDpop, resourceMetadata: string | undefined): Readonly<Record<TokenScheme | 'none', ChallengeContext>> {
  const mode = dpop.mode;
  const offered: readonly TokenScheme[] = Object.freeze(mode === 'required' ? ['DPoP'] : mode === 'disabled' ? ['Bearer'] : ['Bearer', 'DPoP']);
  const context = (scheme: TokenScheme | undefined): ChallengeContext =>
    Object.freeze({
      scheme: scheme === undefined ? undefined : offered.includes(scheme) ? scheme : offered[0],
      offered,
      dpopAlgs: dpop.algs,
      resourceMetadata,
    });
  return Object.freeze({ Bearer: context('Bearer'), DPoP: context('DPoP'), none: context(undefined) });
}
