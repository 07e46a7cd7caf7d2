/**
 * The banking-style API of the demo: its authorization server hands out opaque access tokens (valid
 * one hour, client id and secret in the POST body), and the API checks them by RFC 7662 introspection.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerifier, type Verifier } from '@portcullis/core';
import * as portcullisExpress from '@portcullis/express';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import express from 'express';
import type { RunningApp } from './apps.js';

/** The banking app's client: it gets opaque tokens. */
export const BANK_CLIENT = Object.freeze({ clientId: 'banking-app', clientSecret: 'banking-secret', scopes: ['accounts:read'] });
/** The API's own client at the bank's authorization server, used to introspect. */
export const BANK_API_CLIENT = Object.freeze({ clientId: 'accounts-api', clientSecret: 'accounts-api-secret' });
export const BANK_AUDIENCE = 'https://accounts.bank.example';
/** Seconds an access token of the bank is valid. */
export const BANK_TOKEN_LIFETIME = 3600;

export interface Bank {
  readonly issuer: FakeIssuer;
  readonly verifier: Verifier;
  readonly app: RunningApp;
  close(): Promise<void>;
}

const ACCOUNTS = [{ iban: 'DE02 1203 0000 0000 2020 51', balance: { amount: '1250.00', currency: 'EUR' } }];

export async function startBank(issuerPort = 0, apiPort = 0): Promise<Bank> {
  const issuer = await startFakeIssuer({
    port: issuerPort,
    audience: BANK_AUDIENCE,
    tokenLifetime: BANK_TOKEN_LIFETIME,
    clients: [
      { ...BANK_CLIENT, scopes: [...BANK_CLIENT.scopes], tokenFormat: 'opaque' },
      { ...BANK_API_CLIENT, scopes: [] },
    ],
  });
  // No keys: every token of this issuer is introspected; introspection_endpoint comes from its metadata.
  const verifier = createVerifier({
    issuer: [{ issuer: issuer.url, introspection: { ...BANK_API_CLIENT } }],
    audience: BANK_AUDIENCE,
  });
  const { requireAuth, requireScopes } = portcullisExpress;
  const app = express();
  app.use(requireAuth(verifier));
  app.get('/accounts', requireScopes('accounts:read'), (req, res) => {
    res.json({ client: req.auth?.clientId, format: req.auth?.format, accounts: ACCOUNTS });
  });
  const server = createServer(app);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(apiPort, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    verifier.close();
    await issuer.close();
    throw error;
  }
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closeApp = (): Promise<void> => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return {
    issuer,
    verifier,
    app: { url, close: closeApp },
    async close() {
      await closeApp();
      verifier.close();
      await issuer.close();
    },
  };
}
