// Issue 20 item 4, with the workspace's TypeScript (5.9): a misspelt option and a missing `audience`, passed to
// createVerifier or to any adapter that takes verifier options, are compile errors that name the key. The
// consumer test runs the same snippets with TypeScript 5.8, 5.9 and 7.x against the packed packages.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { OPTION_ERROR_SNIPPETS } from '../helpers/option-errors.js';

// Inside test/, so that the @portcullis packages resolve to the workspace packages (built dist).
const dir = mkdtempSync(join(dirname(fileURLToPath(import.meta.url)), '.option-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('option mistakes are reported by name (TypeScript ' + ts.version + ')', () => {
  const files = OPTION_ERROR_SNIPPETS.map(({ file, code }) => {
    writeFileSync(join(dir, file), code);
    return join(dir, file);
  });
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true, exactOptionalPropertyTypes: true, noEmit: true, skipLibCheck: true, types: ['node'],
  });

  it.each(OPTION_ERROR_SNIPPETS.map((snippet) => [snippet.file, snippet.names] as const))('%s: an error naming %s', (file, names) => {
    const source = program.getSourceFile(join(dir, file))!;
    const messages = ts.getPreEmitDiagnostics(program, source).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(messages.length, messages.join('\n')).toBeGreaterThan(0);
    expect(messages.join('\n')).toContain(`'${names}'`);
    expect(messages.join('\n')).not.toMatch(/IssuerConfigWithAudience/);
  });
});
