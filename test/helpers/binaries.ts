// Test suites that need a program the machine may lack (redis-server today; bun, deno, workerd later).
// Without it a suite is skipped, and the run says so once (see global-setup.ts); in CI
// (`PORTCULLIS_REQUIRE_BINARIES=1`, set by .ci/run) a missing program is a failure, never a skip.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import process from 'node:process';

/** The programs suites may need, and how to get each (the line printed when one is missing). */
export const KNOWN_BINARIES = {
  'redis-server': 'apt-get install redis-server',
  'redis-cli': 'apt-get install redis-server',
} as const satisfies Record<string, string>;

export type KnownBinary = keyof typeof KNOWN_BINARIES;

/** Set to `1` (or `true`) by CI: a suite whose program is missing fails instead of being skipped. */
export const REQUIRE_BINARIES_VARIABLE = 'PORTCULLIS_REQUIRE_BINARIES';

export function binariesRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[REQUIRE_BINARIES_VARIABLE];
  return value === '1' || value === 'true';
}

/** Whether `name` is an executable file in a directory of `PATH`. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** One line per way to install what is missing (redis-server and redis-cli come together), or none. */
export function missingLines(env: NodeJS.ProcessEnv = process.env): string[] {
  const byInstall = new Map<string, string[]>();
  for (const [name, install] of Object.entries(KNOWN_BINARIES)) {
    if (!onPath(name, env)) byInstall.set(install, [...(byInstall.get(install) ?? []), name]);
  }
  const outcome = binariesRequired(env) ? `fail, because ${REQUIRE_BINARIES_VARIABLE} is set` : 'are skipped';
  return [...byInstall].map(([install, names]) => `${names.join(' and ')} not on the PATH: the suites that need ${names.length > 1 ? 'them' : 'it'} ${outcome} (install: ${install})`);
}

/**
 * Whether every program in `names` is on the PATH, for `describe.runIf(requireBinary('redis-server'))`.
 * Under `PORTCULLIS_REQUIRE_BINARIES=1` a missing one throws, which fails the test file.
 */
export function requireBinary(...names: KnownBinary[]): boolean {
  const missing = names.filter((name) => !onPath(name));
  if (missing.length === 0) return true;
  if (binariesRequired()) {
    throw new Error(`${missing.map((name) => `${name} is not on the PATH (install it: ${KNOWN_BINARIES[name]})`).join('; ')}, and ${REQUIRE_BINARIES_VARIABLE} is set`);
  }
  return false;
}
