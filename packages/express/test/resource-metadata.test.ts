import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { createVerifier, requireAuth, resourceMetadataHandler, type AuthError } from '../src/index.js';
import { EXPRESS_VERSIONS, Resources, bearer, send } from './helpers.js';

const RESOURCE = 'https://api.example.com/v1';
const PATH = '/.well-known/oauth-protected-resource/v1';
const URL_ = `https://api.example.com${PATH}`;

let issuer: FakeIssuer;
const resources = new Resources();
beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterEach(() => resources.closeAll());
afterAll(() => issuer.close());

const metadataVerifier = () => resources.track(createVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, resourceMetadata: { resource: RESOURCE } }));

describe.each(EXPRESS_VERSIONS)('RFC 9728 metadata on $name', ({ express }) => {
  it('requireAuth app-wide answers the well-known path without a token, and challenges name it', async () => {
    const app = express();
    app.use(requireAuth(metadataVerifier()));
    app.get('/orders', (_req, res) => void res.json({ ok: true }));
    const url = await resources.serve(app);
    const metadata = await send(url, { path: PATH });
    expect(metadata.status).toBe(200);
    expect(JSON.parse(metadata.body)).toMatchObject({ resource: RESOURCE, authorization_servers: [issuer.url] });
    expect(metadata.headers['access-control-allow-origin']).toBe('*');
    const refused = await send(url, { path: '/orders' });
    expect(refused.headers['www-authenticate']).toBe(`Bearer resource_metadata="${URL_}", DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519", resource_metadata="${URL_}"`);
  });

  it('with requireAuth on a router, resourceMetadataHandler serves the document at the origin and passes the rest on', async () => {
    const verifier = metadataVerifier();
    const app = express();
    app.use(resourceMetadataHandler(verifier));
    const api = express.Router();
    api.use(requireAuth(verifier));
    api.get('/orders', (_req, res) => void res.json({ ok: true }));
    app.use('/v1', api);
    const url = await resources.serve(app);
    expect((await send(url, { path: PATH })).status).toBe(200);
    expect((await send(url, { path: PATH, method: 'OPTIONS' })).status).toBe(204);
    // Under the router the well-known path is just another protected path.
    expect((await send(url, { path: `/v1${PATH}` })).status).toBe(401);
    const ok = await send(url, { path: '/v1/orders', headers: bearer(issuer.mint({ aud: RESOURCE })) });
    expect(ok.status).toBe(200);
  });

  it("errors: 'pass' hands over an AuthError whose headers carry resource_metadata", async () => {
    const app = express();
    app.use(requireAuth(metadataVerifier(), { errors: 'pass' }));
    app.get('/orders', (_req, res) => void res.json({ ok: true }));
    app.use((err: AuthError, _req: unknown, res: { status(n: number): { set(h: Record<string, string>): { json(b: unknown): void } } }, _next: unknown) => {
      res.status(err.status).set(err.headers).json({ mine: true });
    });
    const url = await resources.serve(app);
    const refused = await send(url, { path: '/orders', headers: bearer(issuer.mint({ aud: 'https://elsewhere.example' })) });
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toMatch(new RegExp(`error="invalid_token".*resource_metadata="${URL_}"$`));
  });
});

describe('resourceMetadataHandler', () => {
  it('refuses a verifier without resourceMetadata, naming the option', () => {
    const plain = resources.track(createVerifier({ issuer: 'https://auth.example.com/', audience: 'api', jwksUri: 'https://auth.example.com/jwks' }));
    expect(() => resourceMetadataHandler(plain)).toThrow(/"resourceMetadata"/);
  });

  it('takes the options directly, checked when it is made', () => {
    expect(() => resourceMetadataHandler({ resource: 'not a url' })).toThrow(/"resourceMetadata\.resource"/);
    expect(typeof resourceMetadataHandler({ resource: RESOURCE })).toBe('function');
  });
});
