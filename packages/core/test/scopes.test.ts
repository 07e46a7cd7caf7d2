import { describe, expect, it } from 'vitest';
import { InsufficientScopeError } from '../src/errors/insufficient-scope.js';
import { DEFAULT_SCOPE_CLAIMS, checkScopes, extractScopes, hasAllScopes, hasAnyScope, normalizeScopeList } from '../src/scopes/scopes.js';

describe('scopes', () => {
  it('happy flow: scope (space-delimited), scp (string or array) and named claims, unique in order', () => {
    expect(extractScopes({ scope: 'a b  c' }, DEFAULT_SCOPE_CLAIMS)).toEqual(['a', 'b', 'c']);
    expect(extractScopes({ scp: ['x', 'y'] }, DEFAULT_SCOPE_CLAIMS)).toEqual(['x', 'y']);
    expect(extractScopes({ scp: 'x y' }, DEFAULT_SCOPE_CLAIMS)).toEqual(['x', 'y']);
    expect(extractScopes({ scope: 'a b', scp: ['b', 'c'], permissions: ['d', 1] }, [...DEFAULT_SCOPE_CLAIMS, 'permissions'])).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(extractScopes({}, DEFAULT_SCOPE_CLAIMS)).toEqual([]);
  });

  it('happy flow: __proto__ and friends are plain scope strings', () => {
    const claims = JSON.parse('{"scope":"__proto__ constructor toString"}') as Record<string, unknown>;
    const scopes = extractScopes(claims, DEFAULT_SCOPE_CLAIMS);
    expect(scopes).toEqual(['__proto__', 'constructor', 'toString']);
    expect(hasAllScopes(scopes, ['__proto__'])).toBe(true);
    expect(hasAllScopes([], ['constructor'])).toBe(false);
    expect(hasAnyScope([], ['hasOwnProperty'])).toBe(false);
  });

  it('happy flow: all-of and any-of', () => {
    expect(() => checkScopes(['a', 'b'], { allOf: ['a', 'b'] })).not.toThrow();
    expect(() => checkScopes(['b'], { anyOf: ['a', 'b'] })).not.toThrow();
    expect(() => checkScopes([], {})).not.toThrow();
  });

  it('error flow: matching is exact and case-sensitive, with no prefix matching', () => {
    for (const granted of [['Orders:Read'], ['orders:rea'], ['orders:read:all'], ['orders']]) {
      expect(() => checkScopes(granted, { allOf: ['orders:read'] }), granted.join()).toThrow(InsufficientScopeError);
    }
  });

  it('error flow: the 403 names what was required', () => {
    try {
      checkScopes(['a'], { allOf: ['a', 'b'] }, 'api');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InsufficientScopeError);
      expect((error as InsufficientScopeError).headers['WWW-Authenticate']).toContain('scope="a b"');
    }
    try {
      checkScopes(['a'], { anyOf: ['x', 'y'] });
      expect.unreachable();
    } catch (error) {
      expect((error as InsufficientScopeError).mode).toBe('any');
      expect((error as InsufficientScopeError).headers['WWW-Authenticate']).toContain('scope="x y"');
    }
  });

  it('error flow: a route scope list with spaces or quotes is a TypeError naming the option', () => {
    expect(() => normalizeScopeList(['a b'], 'scopes')).toThrow(/scopes/);
    expect(() => normalizeScopeList(['a"'], 'scopes')).toThrow(TypeError);
    expect(() => normalizeScopeList([''], 'scopes')).toThrow(TypeError);
    expect(normalizeScopeList(['orders:read'], 'scopes')).toEqual(['orders:read']);
    expect(() => normalizeScopeList('ab' as unknown as string[], 'scopes')).toThrow(/must be a list/);
  });
});
