/**
 * The layout rules of ARCHITECTURE.md, checked: no import circle in any package (type-only imports
 * count: a circle of types is still a circle a reader must hold in their head), and no file in
 * packages/core/src over 400 lines.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));
const MAX_CORE_FILE_LINES = 400;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The module specifiers of one file: `import … from`, `import type … from`, `export … from`,
 * `import '…'` and `import('…')`. Statements start a line, so an `@example` inside a TSDoc comment
 * (whose lines start with `*`) is not read.
 */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const statement = /^[ \t]*(?:import|export)\b(?:[^'";]|\n)*?\bfrom\s*['"]([^'"]+)['"]/gm;
  const bare = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;
  const dynamic = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const pattern of [statement, bare, dynamic]) {
    for (const match of text.matchAll(pattern)) found.push(match[1]!);
  }
  return found;
}

/** The source file a relative specifier names (`./a.js` is `./a.ts`), or undefined for a package. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${from}: cannot resolve ${specifier}`);
}

/** The first circle found in a graph, as the list of its nodes with the first repeated at the end. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (seen === undefined) {
        const cycle = visit(next);
        if (cycle !== undefined) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.get(node) === undefined) {
      const cycle = visit(node);
      if (cycle !== undefined) return cycle;
    }
  }
  return undefined;
}

function packageGraph(srcDir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(srcDir)) {
    const targets = specifiers(readFileSync(file, 'utf8'))
      .map((specifier) => resolveSpecifier(file, specifier))
      .filter((target): target is string => target !== undefined);
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

const packages = readdirSync(packagesDir).filter((name) => existsSync(join(packagesDir, name, 'src')));

describe('the cycle finder', () => {
  it('reads every kind of import and export, type-only ones included', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      'import {',
      '  c,',
      '  type D,',
      "} from './c.js';",
      "export { e } from './e.js';",
      "export type { F } from './f.js';",
      "import './g.js';",
      "const h = await import('./h.js');",
      " * import { notMe } from './example.js';",
    ].join('\n');
    expect(specifiers(text)).toEqual(['./a.js', './b.js', './c.js', './e.js', './f.js', './g.js', './h.js']);
  });

  it('finds a circle and names it, and finds none in a tree', () => {
    const circle = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycle(circle)).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toBeUndefined();
  });
});

describe('no import circle in any package', () => {
  it('finds the packages', () => {
    expect(packages).toEqual(expect.arrayContaining(['core', 'express', 'testing']));
  });

  it.each(packages)('%s', (name) => {
    const srcDir = join(packagesDir, name, 'src');
    const cycle = findCycle(packageGraph(srcDir));
    expect(cycle?.map((file) => relative(srcDir, file)).join(' → ')).toBeUndefined();
  });
});

describe(`no file in packages/core/src over ${MAX_CORE_FILE_LINES} lines`, () => {
  const srcDir = join(packagesDir, 'core', 'src');
  it('every file', () => {
    const long = sourceFiles(srcDir)
      .map((file) => ({ file: relative(srcDir, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_CORE_FILE_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('verifier.ts only composes the stages (at most 250 lines)', () => {
    const lines = readFileSync(join(srcDir, 'verifier.ts'), 'utf8').split('\n').length - 1;
    expect(lines).toBeLessThanOrEqual(250);
  });
});
