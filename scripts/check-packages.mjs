// Packaging checks of every published package: publint (exports, files, types) and
// @arethetypeswrong/cli (types resolve for ESM consumers; CommonJS loads us through require(esm)).
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
    ['attw', ['--pack', dir, '--profile', 'esm-only', '--format', 'table-flipped']],
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
