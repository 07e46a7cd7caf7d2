// Type-checks every test project (packages/*/test, test/): tests import the workspace packages'
// sources through the "@portcullis/source" condition, so these need no build. Type tests live here.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const projects = readdirSync('packages')
  .map((name) => `packages/${name}/test/tsconfig.json`)
  .concat(['test/tsconfig.json'])
  .filter((path) => existsSync(path));
let failed = false;
for (const project of projects) {
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  } catch {
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
