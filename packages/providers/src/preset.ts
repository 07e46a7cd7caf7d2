import type { IssuerConfigWithAudience } from '@portcullis/core';

/**
 * What every preset returns: plain verifier options, one or more issuer configurations (Google trusts two
 * spellings of its issuer). Spread them into `createVerifier`, an adapter's options, or combine several
 * providers: `issuer: [...auth0(a).issuer, ...okta(b).issuer]`.
 *
 * @example
 * ```ts
 * const options: ProviderOptions = okta({ issuer: 'https://acme.okta.com/oauth2/default', audience: 'api://default' });
 * const verifier = createVerifier({ ...options, clockTolerance: 10 });
 * ```
 */
export interface ProviderOptions {
  issuer: IssuerConfigWithAudience[];
}

/** A TypeError naming the preset and the option, in core's wording. */
export function fail(preset: string, option: string, message: string): never {
  throw new TypeError(`Portcullis: ${preset}() option "${option}" ${message}`);
}

/** Checks that a preset was given an options object with only known keys. */
export function checkKeys(preset: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`Portcullis: ${preset}() takes an options object`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) fail(preset, key, `is not an option of ${preset}(); expected one of ${known.join(', ')}`);
  }
  return options as Record<string, unknown>;
}

export function requiredString(preset: string, options: Record<string, unknown>, name: string): string {
  const value = options[name];
  if (typeof value !== 'string' || value.trim() === '') fail(preset, name, 'must be a non-empty string');
  return value;
}

export function optionalString(preset: string, options: Record<string, unknown>, name: string): string | undefined {
  return options[name] === undefined ? undefined : requiredString(preset, options, name);
}

/** An http(s) URL without query or fragment, returned without its trailing slashes. */
export function baseUrl(preset: string, options: Record<string, unknown>, name: string): string | undefined {
  const value = optionalString(preset, options, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(preset, name, `must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '' || url.username !== '') {
    fail(preset, name, `must be an http(s) URL without credentials, query or fragment, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '');
}

/** A host name (with an optional port), as consoles show a "domain": no scheme, no path. */
export function hostName(preset: string, options: Record<string, unknown>, name: string): string {
  const value = requiredString(preset, options, name);
  if (/^https?:\/\//i.test(value)) fail(preset, name, `is a host name without the scheme: "${value.replace(/^https?:\/\//i, '').replace(/\/+$/, '')}"`);
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(value)) fail(preset, name, `must be a host name like login.example.com, got ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

/** A string or a non-empty list of strings. */
export function audienceList(preset: string, options: Record<string, unknown>, name: string): string | string[] {
  const value = options[name];
  if (typeof value === 'string' && value !== '') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((entry) => typeof entry === 'string' && entry !== '')) return [...(value as string[])];
  return fail(preset, name, 'must be a non-empty string or a non-empty list of strings');
}
