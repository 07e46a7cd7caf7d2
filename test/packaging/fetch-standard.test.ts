/**
 * The Fetch-standard adapters and core's Fetch-facing helpers run on Bun, Deno and workerd as well as
 * Node: their sources import no `node:` module (nor a bare Node built-in) and use no Node-only global.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packages = fileURLToPath(new URL('../../packages/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const files = [
  ...sourceFiles(join(packages, 'web', 'src')),
  ...sourceFiles(join(packages, 'hono', 'src')),
  join(packages, 'core', 'src', 'request', 'fetch-request.ts'),
  join(packages, 'core', 'src', 'fetch-support.ts'),
];
const BUILTINS = /\bfrom\s+'(node:[^']+|crypto|http|https|net|tls|fs|path|os|url|buffer|events|stream|util|process)'/;
const NODE_GLOBALS = /\b(Buffer|process|__dirname|__filename|require)\s*[.(]/;

describe('Fetch-standard sources use no Node-only API', () => {
  it('finds the sources', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files.map((file) => [file.slice(packages.length)] as const))('%s', (file) => {
    // Comments may name Node's APIs (to say what the Fetch side replaces); code may not use them.
    const code = readFileSync(join(packages, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    expect(code).not.toMatch(BUILTINS);
    expect(code).not.toMatch(NODE_GLOBALS);
  });
});
