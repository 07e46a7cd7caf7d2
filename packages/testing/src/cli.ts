import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { startFakeIssuer } from './fake-issuer.js';
import type { FakeIssuer } from './types.js';

/** The demo client's secret is a published constant, so printing it discloses nothing. */
const DEMO_SECRET = 'demo-secret';

const USAGE = `Usage: portcullis-issuer [options]

Runs a fake OAuth 2.0 authorization server on 127.0.0.1 until SIGINT or SIGTERM.

Options:
  --port <n>             TCP port (default 9000; 0 picks a free one)
  --issuer-path <path>   path of the issuer identifier, e.g. /realms/demo (default none)
  --audience <uri>       aud of issued tokens (default https://api.example.com)
  --client-id <id>       demo client id (default demo-client; <id>-opaque gets opaque tokens,
                         <id>-api introspects them)
  --client-secret <s>    demo client secret (default ${DEMO_SECRET})
  --scopes "<a b>"       space-separated scopes of the demo client (default "orders:read orders:write")
  --default-scopes "<a>" scopes granted when a token request names none (default: all of --scopes;
                         "" grants none, as oidc-provider does)
  --unknown-scope <m>    a requested scope the client lacks: error (invalid_scope, default) or drop
  --token-lifetime <s>   token lifetime in seconds (default 300)
  --mtls <dir>           also serve an HTTPS token endpoint that binds tokens to the client
                         certificate (RFC 8705); writes ca.pem, client.pem and client-key.pem
                         into <dir> (created if missing) for curl
  -h, --help             show this help
`;

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_\-.:/@%+=]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * For `--mtls`: the CA that the HTTPS endpoint's certificate chains to, and a client certificate with
 * its key (readable by the owner only), as PEM files that curl takes.
 */
function writeMtlsFiles(dir: string, issuer: FakeIssuer): { ca: string; cert: string; key: string } {
  const mtls = issuer.mtls!;
  const client = mtls.certificateAuthority.issue({ commonName: 'portcullis-cli-client' });
  mkdirSync(dir, { recursive: true });
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client-key.pem') };
  writeFileSync(files.ca, mtls.ca);
  writeFileSync(files.cert, client.cert);
  writeFileSync(files.key, client.key, { mode: 0o600 });
  return files;
}

function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed)) throw new TypeError(`--${name} must be a whole number`);
  return parsed;
}

/**
 * Runs the `portcullis-issuer` command: starts a fake issuer with one demo client, prints its URLs and a
 * `curl` command for a token, and closes it on SIGINT or SIGTERM. Resolves once the issuer is listening;
 * with `--help` or bad arguments it prints usage and resolves to `undefined`.
 *
 * @example
 * ```ts
 * import { main } from '@portcullis/testing/cli';
 * await main(['--port', '0', '--scopes', 'orders:read']);
 * ```
 */
export async function main(
  argv: readonly string[],
  stdout: Writable = process.stdout,
  stderr: Writable = process.stderr,
): Promise<FakeIssuer | undefined> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        'issuer-path': { type: 'string' },
        audience: { type: 'string' },
        'client-id': { type: 'string', default: 'demo-client' },
        'client-secret': { type: 'string', default: DEMO_SECRET },
        scopes: { type: 'string', default: 'orders:read orders:write' },
        'default-scopes': { type: 'string' },
        'unknown-scope': { type: 'string' },
        'token-lifetime': { type: 'string' },
        mtls: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return undefined;
  }
  if (values.help) {
    stdout.write(USAGE);
    return undefined;
  }

  let issuer: FakeIssuer;
  const clientId = values['client-id'];
  const words = (value: string): string[] => value.split(' ').filter((word) => word !== '');
  try {
    const unknownScope = values['unknown-scope'];
    if (unknownScope !== undefined && unknownScope !== 'error' && unknownScope !== 'drop') {
      throw new TypeError('--unknown-scope must be error or drop');
    }
    if (values.mtls === '') throw new TypeError('--mtls needs a directory');
    issuer = await startFakeIssuer({
      port: integerOption(values.port, 'port', 9000),
      ...(values.mtls === undefined ? {} : { mtls: true }),
      tokenLifetime: integerOption(values['token-lifetime'], 'token-lifetime', 300),
      ...(values['issuer-path'] === undefined ? {} : { issuerPath: values['issuer-path'] }),
      ...(values.audience === undefined ? {} : { audience: values.audience }),
      clients: [
        {
          clientId,
          clientSecret: values['client-secret'],
          scopes: words(values.scopes),
          ...(values['default-scopes'] === undefined ? {} : { defaultScopes: words(values['default-scopes']) }),
          ...(unknownScope === undefined ? {} : { unknownScope }),
        },
        // The same client with opaque tokens, and the API's own client that introspects them.
        {
          clientId: `${clientId}-opaque`,
          clientSecret: values['client-secret'],
          scopes: values.scopes.split(' ').filter((scope) => scope !== ''),
          tokenFormat: 'opaque',
        },
        { clientId: `${clientId}-api`, clientSecret: values['client-secret'], scopes: [] },
      ],
    });
  } catch (error) {
    stderr.write(`portcullis-issuer: ${(error as Error).message}\n`);
    process.exitCode = 1;
    return undefined;
  }

  const shownSecret = values['client-secret'] === DEMO_SECRET ? DEMO_SECRET : '<client-secret>';
  let mtlsLines: string[] = [];
  if (values.mtls !== undefined && issuer.mtls !== undefined) {
    let files: { ca: string; cert: string; key: string };
    try {
      files = writeMtlsFiles(resolve(values.mtls), issuer);
    } catch (error) {
      await issuer.close();
      stderr.write(`portcullis-issuer: --mtls: ${(error as Error).message}\n`);
      process.exitCode = 1;
      return undefined;
    }
    mtlsLines = [
      'Get a token bound to the client certificate (RFC 8705; cnf["x5t#S256"]):',
      `  curl -s --cacert ${shellQuote(files.ca)} --cert ${shellQuote(files.cert)} --key ${shellQuote(files.key)} -u ${shellQuote(`${clientId}:${shownSecret}`)} -d grant_type=client_credentials -d resource=${shellQuote(issuer.audience)} ${shellQuote(issuer.mtls.tokenEndpoint)}`,
      '',
    ];
  }
  stdout.write(
    [
      `Issuer:         ${issuer.url}`,
      `Metadata:       ${issuer.metadataUrl}`,
      `OpenID config:  ${issuer.openidConfigurationUrl}`,
      `JWKS URI:       ${issuer.jwksUri}`,
      `Token endpoint: ${issuer.tokenEndpoint}`,
      ...(issuer.mtls === undefined ? [] : [`mTLS token:     ${issuer.mtls.tokenEndpoint}`]),
      `Introspection:  ${issuer.introspectionEndpoint}`,
      `Revocation:     ${issuer.revocationEndpoint}`,
      `Audience:       ${issuer.audience}`,
      '',
      'Get a token:',
      // With `resource` (RFC 8707) the token's `aud` is the API's, as real servers require it.
      `  curl -s -u ${shellQuote(`${clientId}:${shownSecret}`)} -d grant_type=client_credentials -d resource=${shellQuote(issuer.audience)} ${shellQuote(issuer.tokenEndpoint)}`,
      '',
      'Get an opaque token (RFC 7662 introspection tells its claims):',
      `  curl -s -u ${shellQuote(`${clientId}-opaque:${shownSecret}`)} -d grant_type=client_credentials ${shellQuote(issuer.tokenEndpoint)}`,
      '',
      'Introspect it, as the API (replace $TOKEN):',
      `  curl -s -u ${shellQuote(`${clientId}-api:${shownSecret}`)} -d "token=$TOKEN" ${shellQuote(issuer.introspectionEndpoint)}`,
      '',
      ...mtlsLines,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );

  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    issuer.close().then(
      () => stdout.write('Stopped.\n'),
      (error: unknown) => {
        stderr.write(`portcullis-issuer: ${(error as Error).message}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return issuer;
}
