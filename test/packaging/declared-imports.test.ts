/**
 * Every package a user installs must declare what its published code imports: a module imported by
 * `src/` but listed only under devDependencies works in the workspace (and in a consumer project that
 * happens to pull it in through another package) and fails for everyone else.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The package a bare specifier names: `jose`, `@nestjs/common` (subpaths dropped). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

const published = readdirSync(packagesDir)
  .map((name) => ({ name, manifest: JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8')) as Record<string, unknown> }))
  .filter(({ manifest }) => manifest.private !== true);

describe('published packages declare what their sources import', () => {
  it('finds the published packages', () => {
    expect(published.map(({ name }) => name)).toEqual(expect.arrayContaining(['core', 'express', 'fastify', 'koa', 'testing']));
  });

  it.each(published.map(({ name, manifest }) => [name, manifest] as const))('%s', (name, manifest) => {
    const declared = new Set([
      ...Object.keys((manifest.dependencies as Record<string, string> | undefined) ?? {}),
      ...Object.keys((manifest.peerDependencies as Record<string, string> | undefined) ?? {}),
    ]);
    const missing = new Set<string>();
    for (const file of sourceFiles(join(packagesDir, name, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^'.][^']*)'/g)) {
        const specifier = match[1]!;
        if (specifier.startsWith('node:')) continue;
        const pkg = packageOf(specifier);
        if (pkg !== manifest.name && !declared.has(pkg)) missing.add(`${pkg} (${file.slice(packagesDir.length)})`);
      }
    }
    expect([...missing], `${name} imports undeclared packages`).toEqual([]);
  });
});
