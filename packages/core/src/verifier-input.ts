/**
 * The parameter type of createVerifier and of the adapters that take verifier options (issue 20): one
 * object type, so that TypeScript 5 and 7 alike name a misspelt key or a missing `audience`.
 */
import type { ResourceMetadataOptions } from './metadata/resource-metadata.js';
import type { IssuerConfig, VerifierCommonOptions, VerifierOptions } from './options.js';
import type { AudienceClaim } from './routing/issuer-options.js';
import type { JwtClaims } from './types.js';

export type { ResourceMetadataOptions };

/** What `issuer` may be: the issuer identifier, one issuer configuration, or a list of them. */
export type IssuerOption = string | IssuerConfig | readonly IssuerConfig[];

/**
 * The parameter type of {@link createVerifier} (and of the adapters that take verifier options): one
 * object type, so that a misspelt key is reported by name, with `audience` required (and so reported by
 * name when missing) unless every issuer configuration in `issuer` names its own (`audience` or
 * `audienceClaim`) or `resourceMetadata` is given. `I` and `R` are inferred from the call. When they are not
 * (an explicit claim type, `createVerifier<MyClaims>(…)`), it is the {@link VerifierOptions} union, whose
 * members are ordered so that TypeScript 5 and 7 both report a missing `audience` by name.
 */
export type VerifierInput<C extends object = JwtClaims, I extends IssuerOption = IssuerOption, R extends ResourceMetadataOptions | undefined = undefined> =
  [IssuerOption] extends [I] ? VerifierOptions<C> : InferredVerifierInput<C, I, R>;

/** {@link VerifierInput} once `issuer` (and `resourceMetadata`) are inferred from the call. */
type InferredVerifierInput<C extends object, I extends IssuerOption, R extends ResourceMetadataOptions | undefined> =
  Omit<VerifierCommonOptions<C>, 'resourceMetadata'> & {
    /** The issuer identifier, or a list of issuer configurations. */
    issuer: I;
    /** Accepted audiences: the token's `aud` must contain one. */
    audience?: string | readonly string[] | undefined;
    /** RFC 9728 metadata; without `audience`, tokens must be issued for its `resource` (RFC 8707). */
    resourceMetadata?: [IssuerOption] extends [I] ? ResourceMetadataOptions | undefined : R;
  } & AudienceRequirement<I, R>;

type HasOwnAudience = { audience: string | readonly string[] } | { audienceClaim: AudienceClaim };

/** `{ audience }` required, unless the issuers or the resource metadata supply it (or `I` is not known). */
export type AudienceRequirement<I, R> = [R] extends [ResourceMetadataOptions]
    ? unknown
    : [IssuerOption] extends [I]
      ? unknown
      : [I] extends [readonly (infer E)[]]
        ? [E] extends [HasOwnAudience] ? unknown : { audience: string | readonly string[] }
        : [I] extends [HasOwnAudience]
          ? unknown
          : { audience: string | readonly string[] };
