/**
 * What a user reads on npm tells the truth about what the package exports, and works inside the tarball:
 *
 * - every option key and event name of the option types a package exports (read from its sources with the
 *   TypeScript compiler: see helpers/option-keys.ts) is named in that package's README, so an option added
 *   later without a line in the README fails here;
 * - every relative link of a package README resolves to a file in the packed tarball;
 * - every manifest names its repository, homepage and issue tracker.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeText, createPackagesProgram, exportedOptionKeys, names } from './helpers/option-keys.js';

const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));
const published = readdirSync(packagesDir)
  .filter((name) => (JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8')) as { private?: boolean }).private !== true)
  .sort();

/**
 * Types whose members are the package's API as much as its options are (the names only: their keys
 * come from the compiler): the fake issuer's methods and counters, the verifier's methods.
 */
const API_TYPES: Readonly<Record<string, readonly string[]>> = { testing: ['FakeIssuer', 'FakeIssuerStats'], core: ['Verifier'] };

describe('every option and event a package exports is in its README', () => {
  const missingByPackage = new Map<string, string[]>();
  beforeAll(() => {
    const program = createPackagesProgram(packagesDir, published);
    for (const name of published) {
      const { byType } = exportedOptionKeys(program, join(packagesDir, name), API_TYPES[name] ?? []);
      const code = codeText(readFileSync(join(packagesDir, name, 'README.md'), 'utf8'));
      const missing: string[] = [];
      for (const [type, keys] of byType) for (const key of keys) if (!names(code, key)) missing.push(`${type}: ${key}`);
      missingByPackage.set(name, missing);
    }
  }, 120_000);

  it('finds the published packages and their option types', () => {
    expect(published).toEqual(expect.arrayContaining(['core', 'express', 'fastify', 'koa', 'mcp', 'nestjs', 'redis', 'testing']));
    expect([...missingByPackage.keys()]).toEqual(published);
  });

  it.each(published)('%s', (name) => {
    expect(missingByPackage.get(name), `option keys of @portcullis/${name} that its README never names (in code)`).toEqual([]);
  });
});

describe('package READMEs: links that work inside the tarball, manifests that say where the project lives', () => {
  const packed = new Map<string, Set<string>>();
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-readme-links-'));
    for (const name of published) {
      const out = join(dir, name);
      execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: join(packagesDir, name), stdio: 'pipe', timeout: 60_000 });
      const tarball = readdirSync(out).find((file) => file.endsWith('.tgz'))!;
      const files = execFileSync('tar', ['-tzf', join(out, tarball)], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.replace(/^package\//, ''));
      packed.set(name, new Set(files));
    }
  }, 180_000);
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it.each(published)('%s: every relative link resolves to a file in the tarball', (name) => {
    const files = packed.get(name)!;
    expect(files.has('README.md')).toBe(true);
    const readme = readFileSync(join(packagesDir, name, 'README.md'), 'utf8').replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const [, target] of readme.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target!) || target!.startsWith('#')) continue;
      const path = posix.normalize(target!.split('#')[0]!).replace(/\/$/, '');
      const inside = !path.startsWith('..') && (files.has(path) || [...files].some((file) => file.startsWith(`${path}/`)));
      if (!inside) broken.push(target!);
    }
    expect(broken, `relative links of packages/${name}/README.md that are not in its tarball`).toEqual([]);
  });

  it.each(published)('%s: package.json has repository (with its directory), homepage and bugs', (name) => {
    const manifest = JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8')) as {
      repository?: { url?: string; directory?: string };
      homepage?: string;
      bugs?: { url?: string };
    };
    expect(manifest.repository?.url).toBe('git+https://github.com/portcullis-js/portcullis.git');
    expect(manifest.repository?.directory).toBe(`packages/${name}`);
    expect(manifest.homepage).toBe(`https://github.com/portcullis-js/portcullis/tree/main/packages/${name}#readme`);
    expect(manifest.bugs?.url).toBe('https://github.com/portcullis-js/portcullis/issues');
  });
});
