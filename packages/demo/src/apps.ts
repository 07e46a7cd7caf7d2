/**
 * The same small orders API on each framework: a public route, a route any valid token may call, a
 * read route that needs `orders:read` and a write route that needs `orders:write`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import type { Verifier } from '@portcullis/core';
import * as portcullisExpress from '@portcullis/express';
import portcullisFastify from '@portcullis/fastify';
import * as portcullisKoa from '@portcullis/koa';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';

export interface RunningApp {
  readonly url: string;
  close(): Promise<void>;
}

const ORDERS = [{ id: 'ord_1', item: 'portcullis', quantity: 1 }];

async function listen(server: Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startExpressApp(verifier: Verifier, port = 0): Promise<RunningApp> {
  const { requireAuth, requireScopes } = portcullisExpress;
  const app = express();
  app.get('/public', (_req, res) => {
    res.json({ message: 'anyone may read this' });
  });
  app.use(requireAuth(verifier));
  app.get('/me', (req, res) => {
    res.json({ subject: req.auth?.subject, clientId: req.auth?.clientId, scopes: req.auth?.scopes });
  });
  app.get('/orders', requireScopes('orders:read'), (_req, res) => {
    res.json(ORDERS);
  });
  app.post('/orders', requireScopes('orders:write'), (_req, res) => {
    res.status(201).json({ id: 'ord_2' });
  });
  const server = createServer(app);
  const url = await listen(server, port);
  return { url, close: () => closeServer(server) };
}

export async function startFastifyApp(verifier: Verifier, port = 0): Promise<RunningApp> {
  const app = Fastify();
  await app.register(portcullisFastify, { verifier });
  app.get('/public', { config: { auth: false } }, () => ({ message: 'anyone may read this' }));
  app.get('/me', (request) => ({
    subject: request.auth?.subject,
    clientId: request.auth?.clientId,
    scopes: request.auth?.scopes,
  }));
  app.get('/orders', { config: { auth: { scopes: ['orders:read'] } } }, () => ORDERS);
  app.post('/orders', { config: { auth: { scopes: ['orders:write'] } } }, async (_request, reply) => {
    return reply.code(201).send({ id: 'ord_2' });
  });
  const url = await app.listen({ port, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

export async function startKoaApp(verifier: Verifier, port = 0): Promise<RunningApp> {
  const { requireAuth, requireScopes } = portcullisKoa;
  const app = new Koa();
  const open = new Router();
  open.get('/public', (ctx) => {
    ctx.body = { message: 'anyone may read this' };
  });
  const api = new Router();
  api.use(requireAuth(verifier));
  api.get('/me', (ctx) => {
    const auth = ctx.state.auth;
    ctx.body = { subject: auth?.subject, clientId: auth?.clientId, scopes: auth?.scopes };
  });
  api.get('/orders', requireScopes('orders:read'), (ctx) => {
    ctx.body = ORDERS;
  });
  api.post('/orders', requireScopes('orders:write'), (ctx) => {
    ctx.status = 201;
    ctx.body = { id: 'ord_2' };
  });
  app.use(open.routes()).use(api.routes()).use(api.allowedMethods());
  const handle = app.callback();
  const server = createServer((req, res) => void handle(req, res));
  const url = await listen(server, port);
  return { url, close: () => closeServer(server) };
}
