import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization } from '../src/index.js';

// The bin runs the built CLI; the root `pnpm test` builds before running vitest.
const BIN = fileURLToPath(new URL('../bin/portcullis-issuer.js', import.meta.url));
const BUILT_CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

interface Run {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: Run[] = [];

function run(args: string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const handle = { child, stdout: () => stdout, stderr: () => stderr, exit };
  running.push(handle);
  return handle;
}

/** Polls the output for a line, at most 10 s. */
async function waitForOutput(handle: Run, pattern: RegExp): Promise<RegExpExecArray> {
  for (let i = 0; i < 200; i++) {
    const match = pattern.exec(handle.stdout());
    if (match !== null) return match;
    if (handle.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${String(pattern)} in output:\n${handle.stdout()}\n${handle.stderr()}`);
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_resolve, reject) => setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms).unref()),
  ]);
}

beforeAll(() => {
  expect(existsSync(BUILT_CLI), 'packages/testing/dist/cli.js is missing: run `pnpm build` first').toBe(true);
});

afterEach(() => {
  for (const handle of running.splice(0)) if (handle.child.exitCode === null) handle.child.kill('SIGKILL');
});

describe('portcullis-issuer CLI', () => {
  it('happy flow: prints the URLs, serves metadata and tokens for the demo client, and exits 0 on SIGINT', async () => {
    const cli = run([
      ['--port', '0'],
      ['--client-id', 'cli-client'],
      ['--client-secret', 'cli-secret'],
      ['--scopes', 'orders:read orders:write'],
      ['--issuer-path', '/realms/cli'],
    ].flat());
    await waitForOutput(cli, /Press Ctrl\+C/);
    const issuer = /^Issuer: +(\S+)$/m.exec(cli.stdout())![1]!;
    const jwksUri = /^JWKS URI: +(\S+)$/m.exec(cli.stdout())![1]!;
    const tokenEndpoint = /^Token endpoint: +(\S+)$/m.exec(cli.stdout())![1]!;
    expect(issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/realms\/cli$/);

    const metadata = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer,
      jwks_uri: jwksUri,
      token_endpoint: tokenEndpoint,
      scopes_supported: ['orders:read', 'orders:write'],
    });

    const token = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { authorization: basicAuthorization('cli-client', 'cli-secret'), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(200);
    expect(((await token.json()) as Record<string, unknown>).scope).toBe('orders:read orders:write');

    // The curl line is ready to paste, except for a secret the user chose, which is never printed.
    expect(cli.stdout()).toContain(
      `curl -s -u 'cli-client:<client-secret>' -d grant_type=client_credentials -d resource=https://api.example.com ${tokenEndpoint}`,
    );
    expect(cli.stdout()).not.toContain('cli-secret');

    cli.child.kill('SIGINT');
    expect(await within(cli.exit, 10_000)).toEqual({ code: 0, signal: null });
    expect(await fetch(jwksUri).then(() => 'answered', () => 'refused')).toBe('refused');
  });

  it('--mtls <dir>: writes the CA and a client certificate, and the printed command gets a token bound to that certificate over real TLS', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'portcullis-cli-mtls-')), 'certs');
    try {
      const cli = run(['--port', '0', '--mtls', dir]);
      await waitForOutput(cli, /Press Ctrl\+C/);
      const line = /Get a token bound to the client certificate[^\n]*\n\s+curl -s --cacert (\S+) --cert (\S+) --key (\S+) -u (\S+) -d grant_type=client_credentials -d resource=(\S+) (\S+)/.exec(cli.stdout());
      expect(line, cli.stdout()).not.toBeNull();
      const [, caFile, certFile, keyFile, user, resource, endpoint] = line!;
      expect([caFile, certFile, keyFile]).toEqual([join(dir, 'ca.pem'), join(dir, 'client.pem'), join(dir, 'client-key.pem')]);
      expect(/^mTLS token: +(\S+)$/m.exec(cli.stdout())?.[1]).toBe(endpoint);
      expect(endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
      expect(statSync(keyFile!).mode & 0o077).toBe(0);
      const cert = readFileSync(certFile!, 'utf8');
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(
          endpoint!,
          {
            method: 'POST',
            ca: readFileSync(caFile!, 'utf8'),
            cert,
            key: readFileSync(keyFile!, 'utf8'),
            headers: { authorization: `Basic ${Buffer.from(user!).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
            timeout: 10_000,
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text}`))));
          },
        );
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.end(`grant_type=client_credentials&resource=${encodeURIComponent(resource!)}`);
      });
      const token = (JSON.parse(body) as { access_token: string }).access_token;
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { cnf?: Record<string, string> };
      const thumbprint = createHash('sha256').update(new X509Certificate(cert).raw).digest('base64url');
      expect(claims.cnf).toEqual({ 'x5t#S256': thumbprint });
      cli.child.kill('SIGINT');
      expect(await within(cli.exit, 10_000)).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });

  it('--mtls with an empty directory name: exit 1 with a message, nothing started', async () => {
    const cli = run(['--port', '0', '--mtls', '']);
    expect(await within(cli.exit, 10_000)).toEqual({ code: 1, signal: null });
    expect(cli.stderr()).toContain('--mtls needs a directory');
  });

  it('happy flow: the printed curl commands get an opaque token and introspect it as active', async () => {
    const cli = run(['--port', '0']);
    await waitForOutput(cli, /Press Ctrl\+C/);
    const opaque = /Get an opaque token[^\n]*\n\s+curl -s -u (\S+) -d grant_type=client_credentials (\S+)/.exec(cli.stdout());
    const check = /Introspect it[^\n]*\n\s+curl -s -u (\S+) -d "token=\$TOKEN" (\S+)/.exec(cli.stdout());
    expect(opaque, cli.stdout()).not.toBeNull();
    expect(check, cli.stdout()).not.toBeNull();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const basic = (user: string) => `Basic ${Buffer.from(user).toString('base64')}`;
    const tokenResponse = await fetch(opaque![2]!, { method: 'POST', headers: { ...form, authorization: basic(opaque![1]!) }, body: 'grant_type=client_credentials' });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const introspection = await fetch(check![2]!, { method: 'POST', headers: { ...form, authorization: basic(check![1]!) }, body: `token=${token}` });
    expect(await introspection.json()).toMatchObject({ active: true, client_id: 'demo-client-opaque' });
    cli.child.kill('SIGTERM');
    expect(await within(cli.exit, 10_000)).toEqual({ code: 0, signal: null });
  });

  it('happy flow: with the defaults the printed curl command gets a token, and SIGTERM stops it', async () => {
    const cli = run(['--port', '0']);
    const match = await waitForOutput(cli, /curl -s -u (\S+) -d grant_type=client_credentials -d resource=(\S+) (\S+)/);
    const user = match[1]!;
    expect(user).toBe('demo-client:demo-secret');
    expect(match[2]).toBe('https://api.example.com');
    const response = await fetch(match[3]!, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(user).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&resource=${encodeURIComponent(match[2]!)}`,
    });
    expect(response.status).toBe(200);
    const { access_token: accessToken } = (await response.json()) as { access_token: string };
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')) as { aud: unknown };
    expect(claims.aud).toBe('https://api.example.com');
    cli.child.kill('SIGTERM');
    expect(await within(cli.exit, 10_000)).toEqual({ code: 0, signal: null });
  });

  it('happy flow: --default-scopes "" and --unknown-scope drop behave like oidc-provider', async () => {
    const cli = run(['--port', '0', '--default-scopes', '', '--unknown-scope', 'drop']);
    const match = await waitForOutput(cli, /curl -s -u (\S+) -d grant_type=client_credentials -d resource=(\S+) (\S+)/);
    const ask = async (body: string): Promise<Record<string, unknown>> => {
      const response = await fetch(match[3]!, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(match[1]!).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      expect(response.status).toBe(200);
      return (await response.json()) as Record<string, unknown>;
    };
    expect((await ask('grant_type=client_credentials')).scope).toBeUndefined();
    expect((await ask('grant_type=client_credentials&scope=orders:read%20admin')).scope).toBe('orders:read');
    cli.child.kill('SIGTERM');
    expect(await within(cli.exit, 10_000)).toEqual({ code: 0, signal: null });
  });

  it('happy flow: --help prints usage and exits 0', async () => {
    const cli = run(['--help']);
    expect(await within(cli.exit, 10_000)).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toContain('Usage: portcullis-issuer');
  });

  it.each([
    [['--bogus'], 2],
    [['--port', 'eighty'], 1],
    [['--issuer-path', 'no-slash', '--port', '0'], 1],
    [['--unknown-scope', 'ignore', '--port', '0'], 1],
    [['--default-scopes', 'admin', '--port', '0'], 1],
  ])('error flow: bad arguments %j exit %i with a message on stderr', async (args, code) => {
    const cli = run(args);
    expect(await within(cli.exit, 10_000)).toEqual({ code, signal: null });
    expect(cli.stderr()).not.toBe('');
    expect(cli.stdout()).toBe('');
  });
});
