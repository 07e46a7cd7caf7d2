import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binariesRequired, missingLines, onPath } from './binaries.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-binaries-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('requireBinary and the one line for a missing program', () => {
  it('finds an executable file on PATH, not a plain file nor one in no PATH directory', () => {
    writeFileSync(join(dir, 'redis-server'), '#!/bin/sh\n');
    writeFileSync(join(dir, 'redis-cli'), '');
    chmodSync(join(dir, 'redis-server'), 0o755);
    expect(onPath('redis-server', { PATH: dir })).toBe(true);
    expect(onPath('redis-cli', { PATH: dir })).toBe(false);
    expect(onPath('redis-server', { PATH: '' })).toBe(false);
  });

  it('one line for redis-server and redis-cli together, naming both and how to install them', () => {
    expect(missingLines({ PATH: join(dir, 'nothing-here') })).toEqual([
      'redis-server and redis-cli not on the PATH: the suites that need them are skipped (install: apt-get install redis-server)',
    ]);
    expect(missingLines({ PATH: join(dir, 'nothing-here'), PORTCULLIS_REQUIRE_BINARIES: '1' })).toEqual([
      'redis-server and redis-cli not on the PATH: the suites that need them fail, because PORTCULLIS_REQUIRE_BINARIES is set (install: apt-get install redis-server)',
    ]);
  });

  it('PORTCULLIS_REQUIRE_BINARIES: 1 or true turns skips into failures; anything else does not', () => {
    expect(binariesRequired({ PORTCULLIS_REQUIRE_BINARIES: '1' })).toBe(true);
    expect(binariesRequired({ PORTCULLIS_REQUIRE_BINARIES: 'true' })).toBe(true);
    expect(binariesRequired({ PORTCULLIS_REQUIRE_BINARIES: '0' })).toBe(false);
    expect(binariesRequired({})).toBe(false);
  });
});
