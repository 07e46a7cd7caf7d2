/** The binding an introspection answer names, merged into a JWT's own (`introspect: 'always'`). */
import { InvalidTokenError } from '../errors/errors.js';
import type { AccessToken, JwtClaims } from '../types.js';

/**
 * `introspect: 'always'`: the server's answer may bind the token as well (a `cnf` member, RFC 7662 §2.2
 * with RFC 9449 §6.2 and RFC 8705 §3.2), and a binding it names is enforced like the JWT's own. A
 * member the JWT lacks is added (to this request's view only: the cached token keeps the JWT's); a
 * member both name must agree, or the token is refused rather than checked against either.
 */
export function withServerBinding<C extends object>(auth: AccessToken<C>, served: JwtClaims, realm: string | undefined): AccessToken<C> {
  const servedCnf = served.cnf as Readonly<Record<string, unknown>> | undefined;
  if (servedCnf === undefined) return auth;
  const own = auth.cnf;
  let added: Record<string, unknown> | undefined;
  for (const member of ['jkt', 'x5t#S256'] as const) {
    const value = servedCnf[member];
    if (value === undefined) continue;
    const mine = own?.[member];
    if (mine === undefined) (added ??= { ...own })[member] = value;
    else if (mine !== value) {
      throw new InvalidTokenError({ reason: 'binding_conflict', description: 'the token and its introspection name different bindings', realm });
    }
  }
  return added === undefined ? auth : Object.freeze({ ...auth, cnf: Object.freeze(added) });
}
