/**
 * Which configured issuer a token belongs to, from its unverified `iss` (and `tid` for an issuer
 * template). Chosen from the configured list only: an unknown issuer costs no network request.
 */
import { InvalidTokenError } from '../errors/errors.js';
import type { IssuerReading } from './issuer-options.js';
import type { TenantRefusal } from './issuer-template.js';

/** What a lookup found: the configured issuer's runtime, and the tenant for a template. */
export interface IssuerMatch<R> {
  readonly runtime: R;
  readonly tenant: string | undefined;
}

const REFUSALS: Readonly<Record<TenantRefusal, string>> = {
  tenant_mismatch: 'the token issuer does not match its tenant',
  tenant_malformed: 'the token tenant is malformed',
  tenant_not_allowed: 'the token tenant is not accepted',
};

/**
 * Configured issuers by their identifier, then the templates in configuration order. A lookup is one
 * Map probe for an exact issuer; a template costs a prefix and suffix test, a GUID test and a Set probe.
 */
export class IssuerDirectory<R extends { readonly issuer: string; readonly reading: IssuerReading }> {
  readonly #exact = new Map<string, R>();
  readonly #templates: R[] = [];

  add(runtime: R): void {
    if (runtime.reading.template !== undefined) this.#templates.push(runtime);
    else this.#exact.set(runtime.issuer, runtime);
  }

  /** Every configured issuer, exact ones first. */
  values(): IterableIterator<R> {
    return [...this.#exact.values(), ...this.#templates][Symbol.iterator]();
  }

  /** The configured issuer named exactly `issuer`. */
  configured(issuer: string): R | undefined {
    return this.#exact.get(issuer);
  }

  /** The configured issuer of an accepted token's issuer (exact, or the template it fits). */
  owner(issuer: string): R | undefined {
    const exact = this.#exact.get(issuer);
    if (exact !== undefined || this.#templates.length === 0) return exact;
    return this.#templates.find((runtime) => runtime.reading.template!.fits(issuer));
  }

  /**
   * The issuer for a token's `iss` and `tid`; undefined when no configured issuer has its shape. A
   * token that fits a template but whose tenant is refused throws a 401 `invalid_issuer`.
   */
  find(iss: unknown, tid: unknown, realm: string | undefined): IssuerMatch<R> | undefined {
    if (typeof iss !== 'string') return undefined;
    const exact = this.#exact.get(iss);
    if (exact !== undefined) return { runtime: exact, tenant: undefined };
    let refusal: TenantRefusal | undefined;
    for (const runtime of this.#templates) {
      const template = runtime.reading.template!;
      if (!template.fits(iss)) continue;
      const verdict = template.tenantOf(iss, tid);
      if ('tenant' in verdict) return { runtime, tenant: verdict.tenant };
      refusal ??= verdict.refused;
    }
    if (refusal === undefined) return undefined;
    throw new InvalidTokenError({ reason: 'invalid_issuer', description: REFUSALS[refusal], realm });
  }
}
