/**
 * Grants (scopes and roles) read from a token's claims. A grant value may be a space-delimited string
 * (RFC 6749 §3.3, RFC 9068 §2.2.3), an array of strings (Entra's `scp` and `roles`, Auth0's
 * `permissions`, Duende's `scope`), or an object whose keys are the grants (ZITADEL's role claims).
 * Grants are compared exactly and kept in arrays and Sets, never used as object keys.
 */
import type { JwtClaims } from '../types.js';
import { claimPathSegments, readClaimPath } from './claim-path.js';

const NO_GRANTS: readonly string[] = Object.freeze([]);

function addSpaceDelimited(value: string, into: Set<string>): void {
  // RFC 6749 §3.3: scope tokens are separated by single spaces; tolerate runs of them.
  for (const token of value.split(' ')) if (token !== '') into.add(token);
}

/** Adds the grants of one claim value to `into`; a value of another shape adds nothing. */
export function addGrants(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') addSpaceDelimited(value, into);
  else if (Array.isArray(value)) {
    for (const entry of value) if (typeof entry === 'string' && entry !== '') into.add(entry);
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) if (key !== '') into.add(key);
  }
}

/**
 * Grant lists by their string. Frozen, so one list can serve every token that has the string (an
 * issuer hands out a few distinct scope strings to many tokens). Bounded: the map starts over when
 * full, and long strings are not kept.
 */
const grantLists = new Map<string, readonly string[]>();
const GRANT_LISTS_MAX = 1024;
const GRANT_TEXT_MAX = 1024;

function grantListOf(text: string): readonly string[] {
  let list = grantLists.get(text);
  if (list !== undefined) return list;
  const found = new Set<string>();
  addSpaceDelimited(text, found);
  list = Object.freeze([...found]);
  if (text.length <= GRANT_TEXT_MAX) {
    if (grantLists.size >= GRANT_LISTS_MAX) grantLists.clear();
    grantLists.set(text, list);
  }
  return list;
}

/**
 * Reads the grants of a list of claim paths, compiled once: a top-level name is read directly, a
 * nested path walked through own members only. The usual token has one space-delimited string and no
 * other grant claim: its list is memoised by that string.
 */
export class GrantReader {
  /** Top-level names as one segment each; nested paths as several. */
  readonly #paths: readonly (readonly string[])[];

  constructor(paths: readonly (readonly string[])[]) {
    this.#paths = paths;
  }

  /** The paths as given, for inspection. */
  get paths(): readonly (readonly string[])[] {
    return this.#paths;
  }

  /** The grants, unique, in the order they first appear. */
  read(claims: JwtClaims | Readonly<Record<string, unknown>>): readonly string[] {
    const paths = this.#paths;
    let text: string | undefined;
    let several = false;
    for (const path of paths) {
      const value = valueAt(claims, path);
      if (value === undefined) continue;
      if (typeof value === 'string' && text === undefined) text = value;
      else if (typeof value === 'object' && value !== null || typeof value === 'string') {
        several = true;
        break;
      }
    }
    if (!several) return text === undefined ? NO_GRANTS : grantListOf(text);
    const found = new Set<string>();
    for (const path of paths) addGrants(valueAt(claims, path), found);
    return Object.freeze([...found]);
  }
}

function valueAt(claims: JwtClaims | Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  if (path.length === 1) {
    const name = path[0]!;
    return Object.hasOwn(claims, name) ? (claims as Record<string, unknown>)[name] : undefined;
  }
  return readClaimPath(claims, path);
}

/**
 * The first string found at one of the paths (the client id: `client_id`, then `azp`, `cid`, `appid`).
 */
export function firstStringClaim(claims: JwtClaims | Readonly<Record<string, unknown>>, paths: readonly (readonly string[])[]): string | undefined {
  for (const path of paths) {
    const value = valueAt(claims, path);
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** Compiles claim paths given by a user (strings or segment lists); a `TypeError` names `option`. */
export function compileClaimPaths(paths: unknown, option: string): readonly (readonly string[])[] {
  if (!Array.isArray(paths)) throw new TypeError(`Portcullis: option "${option}" must be a list of claim paths`);
  return Object.freeze((paths as unknown[]).map((path, i) => claimPathSegments(path, `${option}[${i}]`)));
}
