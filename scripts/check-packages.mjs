// Packaging checks of every published package: publint (exports, files, types) and
// @arethetypeswrong/cli in its strict profile (node10, node16 from CJS and ESM, bundler). One rule is
// named and ignored, not hidden behind a profile: cjs-resolves-to-esm, i.e. TypeScript's
// `module: node16` refuses `import x = require()` of an ESM package from a .cts file (TS1471).
// Node itself loads us through require(esm), and TypeScript's `nodenext`/`node20` accept it; the
// READMEs say so and test/consumer pins all three settings.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import process from 'node:process';

const bin = (name) => `node_modules/.bin/${name}`;
let failed = false;
for (const name of readdirSync('packages')) {
  const dir = `packages/${name}`;
  const manifest = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
  if (manifest.private === true) continue;
  let ok = true;
  for (const [tool, args] of [
    ['publint', [dir, '--strict']],
    ['attw', ['--pack', dir, '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(bin(tool), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      failed = true;
      ok = false;
      process.stdout.write(`${manifest.name}: ${tool} failed\n${error.stdout}${error.stderr}\n`);
    }
  }
  if (ok) process.stdout.write(`${manifest.name}: publint and attw passed\n`);
}
process.exit(failed ? 1 : 0);
