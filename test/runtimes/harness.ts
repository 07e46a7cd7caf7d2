/**
 * Runs a fixture app on Bun, Deno or workerd (through miniflare) and hands the test a `fetch` to it.
 * Bun and Deno serve it on 127.0.0.1 (their npm packages ship the binaries); workerd runs an esbuild
 * bundle of it inside miniflare with `nodejs_compat`, as `wrangler deploy` would bundle it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
const TEST_ROOT = join(HERE, '..');
const require = createRequire(import.meta.url);

export type RuntimeName = 'bun' | 'deno' | 'workerd';
export const RUNTIMES: readonly RuntimeName[] = ['bun', 'deno', 'workerd'];

/**
 * When set (CI sets it), a runtime whose binary is missing fails the suite instead of skipping it.
 * A small stand-in for the generic `requireBinary` helper of issue 20, which had not landed on main.
 */
export const BINARIES_REQUIRED = process.env['PORTCULLIS_REQUIRE_BINARIES'] === '1';

/** The path of a runtime's binary, or `undefined` (after one line naming it) when it is not installed. */
export function requireBinary(runtime: RuntimeName): string | undefined {
  const path = binaryPath(runtime);
  if (path !== undefined) return path;
  const line = `runtimes: ${runtime} is not installed (run \`pnpm install\`: it comes from the ${runtime === 'workerd' ? 'miniflare' : runtime} dev dependency of test/); its suite is skipped`;
  if (BINARIES_REQUIRED) throw new Error(`${line.replace('its suite is skipped', 'PORTCULLIS_REQUIRE_BINARIES=1 forbids skipping')}`);
  console.warn(line);
  return undefined;
}

function binaryPath(runtime: RuntimeName): string | undefined {
  try {
    if (runtime === 'workerd') {
      // miniflare finds workerd through its own dependency; the binary must be there and runnable.
      const workerd = require.resolve('workerd', { paths: [dirname(require.resolve('miniflare'))] });
      const bin = join(dirname(workerd), '..', 'bin', 'workerd');
      return existsSync(bin) ? bin : undefined;
    }
    // The binary itself, not node_modules/.bin's shell wrapper: killing a wrapper would orphan the runtime.
    const bin = join(dirname(require.resolve(`${runtime}/package.json`)), runtime === 'bun' ? 'bin/bun.exe' : 'deno');
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/** A fixture app running on one runtime. */
export interface RuntimeHost {
  readonly runtime: RuntimeName;
  /** e.g. `bun 1.4.5`. */
  readonly version: string;
  /** The app's origin as the app sees it through {@link RuntimeHost.fetch} (the `htu` base of DPoP proofs). */
  readonly origin: string;
  /** An `http://127.0.0.1:PORT` URL serving the app, for raw HTTP requests (node:http). */
  readonly url: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** The fixture module served by Bun and Deno (`serve.mjs`-style: prints `{"port":N}`). */
  serveEntry: string;
  /** For serve.mjs: the fixture module whose `createApp(config)` it serves (PORTCULLIS_APP). Default app.mjs. */
  app?: string;
  /** The workerd module entry (a `fetch` default export), bundled with `__PORTCULLIS_CONFIG__` defined. */
  workerEntry: string;
  /** JSON given to the app: PORTCULLIS_CONFIG for Bun and Deno, `__PORTCULLIS_CONFIG__` for workerd. */
  config: unknown;
  /** Extra miniflare options (bindings, caches). */
  miniflare?: Record<string, unknown>;
}

const START_TIMEOUT_MS = 15_000;

export async function startRuntime(runtime: RuntimeName, binary: string, options: StartOptions): Promise<RuntimeHost> {
  return runtime === 'workerd' ? startWorkerd(options) : startProcess(runtime, binary, options);
}

async function startProcess(runtime: 'bun' | 'deno', binary: string, options: StartOptions): Promise<RuntimeHost> {
  const args =
    runtime === 'bun'
      ? [options.serveEntry]
      : ['run', '--quiet', '--no-prompt', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', '--allow-sys', options.serveEntry];
  const child = spawn(binary, args, {
    cwd: TEST_ROOT,
    env: {
      ...process.env,
      PORTCULLIS_CONFIG: JSON.stringify(options.config),
      ...(options.app === undefined ? {} : { PORTCULLIS_APP: options.app }),
      DENO_NO_UPDATE_CHECK: '1',
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 20_000) stderr += String(chunk);
  });
  const ready = await firstLine(child, () => stderr);
  const { port, runtime: version } = JSON.parse(ready) as { port: number; runtime: string };
  const origin = `http://127.0.0.1:${port}`;
  return {
    runtime,
    version,
    origin,
    url: origin,
    fetch: (path, init) => fetch(`${origin}${path}`, init),
    close: () => stop(child),
  };
}

function firstLine(child: ChildProcess, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}\nstdout: ${out.slice(0, 2000)}\nstderr: ${stderr().slice(0, 4000)}`));
    };
    const timer = setTimeout(() => fail(`no port line within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += String(chunk);
      const newline = out.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, newline));
      }
    });
    child.once('exit', (code) => fail(`exited with ${code} before listening`));
    child.once('error', (error) => fail(`could not start: ${error.message}`));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Bundles a worker entry as wrangler would: workerd/worker export conditions, node:* left to nodejs_compat. */
export async function bundleWorker(entry: string, config: unknown): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'import'],
    mainFields: ['module', 'main'],
    external: ['node:*', 'cloudflare:*'],
    define: { __PORTCULLIS_CONFIG__: JSON.stringify(config) },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Compatibility date and flags of every worker here. */
export const WORKERD_COMPATIBILITY = { compatibilityDate: '2026-04-01', compatibilityFlags: ['nodejs_compat'] };

async function startWorkerd(options: StartOptions): Promise<RuntimeHost> {
  const { Miniflare } = await import('miniflare');
  const script = await bundleWorker(options.workerEntry, options.config);
  const mf = new Miniflare({
    modules: [{ type: 'ESModule', path: 'worker.mjs', contents: script }],
    ...WORKERD_COMPATIBILITY,
    ...options.miniflare,
  });
  let url: URL;
  try {
    // Miniflare's entry socket on 127.0.0.1: requests go there over HTTP, so the worker sees the URL and
    // Host the client used (dispatchFetch would show it 127.0.0.1 as Host under another URL).
    url = await mf.ready;
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    throw error;
  }
  let disposed: Promise<void> | undefined;
  const { version } = require(require.resolve('workerd/package.json', { paths: [dirname(require.resolve('miniflare'))] })) as { version: string };
  return {
    runtime: 'workerd',
    version: `workerd ${version}`,
    origin: url.origin,
    url: url.origin,
    fetch: (path, init) => fetch(`${url.origin}${path}`, init),
    close: () => (disposed ??= mf.dispose()),
  };
}
