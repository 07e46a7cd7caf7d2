/**
 * Issuer templates: one configured issuer for many tenants (Microsoft Entra ID's multi-tenant metadata
 * names `https://login.microsoftonline.com/{tenantid}/v2.0`). A token matches when its `iss` is the
 * template with its own `tid` substituted, that `tid` is shaped like a tenant id, and the tenant is
 * allowed. No state is kept per tenant: a match is a prefix, a suffix, a shape test and a set lookup.
 */

/** The placeholder an issuer template holds, once. */
export const TENANT_PLACEHOLDER = '{tenantid}';

/** Entra tenant ids are GUIDs. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `issuer` is a template. */
export function isIssuerTemplate(issuer: string): boolean {
  return issuer.includes(TENANT_PLACEHOLDER);
}

/** True when `value` is shaped like a tenant id (a GUID). */
export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && value.length === 36 && GUID.test(value);
}

/** Why a token whose `iss` fits the template's shape was still refused. */
export type TenantRefusal = 'tenant_mismatch' | 'tenant_malformed' | 'tenant_not_allowed';

/** A compiled issuer template. */
export class IssuerTemplate {
  readonly template: string;
  readonly #prefix: string;
  readonly #suffix: string;
  /** Lower-cased allowed tenant ids, or undefined for any tenant. */
  readonly #tenants: ReadonlySet<string> | undefined;

  constructor(template: string, tenants: readonly string[] | 'any') {
    const at = template.indexOf(TENANT_PLACEHOLDER);
    this.template = template;
    this.#prefix = template.slice(0, at);
    this.#suffix = template.slice(at + TENANT_PLACEHOLDER.length);
    this.#tenants = tenants === 'any' ? undefined : new Set(tenants.map((t) => t.toLowerCase()));
  }

  /** True when `iss` has the template's shape around some tenant segment (the token is this issuer's to judge). */
  fits(iss: string): boolean {
    return iss.length > this.#prefix.length + this.#suffix.length && iss.startsWith(this.#prefix) && iss.endsWith(this.#suffix);
  }

  /**
   * The tenant of a token whose `iss` {@link fits}: its `tid`, when the template with `tid` substituted
   * is exactly `iss`, `tid` is a tenant id and the tenant is allowed; else why not.
   */
  tenantOf(iss: string, tid: unknown): { tenant: string } | { refused: TenantRefusal } {
    const segment = iss.slice(this.#prefix.length, iss.length - this.#suffix.length);
    if (typeof tid !== 'string' || tid !== segment) return { refused: 'tenant_mismatch' };
    if (!isTenantId(tid)) return { refused: 'tenant_malformed' };
    // Entra writes tenant ids in lower case: the common case costs one probe and no new string.
    const tenants = this.#tenants;
    if (tenants !== undefined && !tenants.has(tid) && !tenants.has(tid.toLowerCase())) return { refused: 'tenant_not_allowed' };
    return { tenant: tid };
  }
}
