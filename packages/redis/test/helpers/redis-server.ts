// A real redis-server for tests: on a free loopback port, no persistence, killed and restarted on the
// same port at will. redis-server cannot pick port 0 itself, so a throwaway listener picks the port.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Starts (or restarts) redis-server on `port` and waits until it answers PING. */
  start(): Promise<void>;
  /** SIGKILL: the connections drop with no goodbye, as when a host dies. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** One command with a single-line reply (PING, CLIENT PAUSE, FLUSHALL) over a fresh raw connection. */
  command(...args: string[]): Promise<string>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

function rawCommand(port: number, args: string[], timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis-server on ${port} did not answer ${args[0]}`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(encode(args)));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      // Only single-line replies (+OK, +PONG, :n, -ERR) are used through this helper.
      if (reply.endsWith('\r\n')) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** `extraArgs` go after the defaults (e.g. cluster mode); `cwd` is where redis-server may write files. */
export async function startRedisServer(extraArgs: string[] = [], cwd?: string): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  const waitForPing = async (): Promise<void> => {
    const deadline = Date.now() + 10_000;
    for (let attempt = 0; attempt < 200 && Date.now() < deadline; attempt++) {
      try {
        if ((await rawCommand(port, ['PING'], 500)).startsWith('+PONG')) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`redis-server on port ${port} did not start`);
  };

  const exited = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exit = once(running, 'exit');
    running.kill(signal);
    await exit;
  };

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (child !== undefined) throw new Error('redis-server is already running');
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning', ...extraArgs];
      child = spawn('redis-server', args, { stdio: 'ignore', ...(cwd === undefined ? {} : { cwd }) });
      let spawnError: Error | undefined;
      child.on('error', (error) => (spawnError = error));
      try {
        await waitForPing();
      } catch (error) {
        // ENOENT: no redis-server on the PATH (suites guard with requireBinary('redis-server') first).
        throw spawnError === undefined ? error : new Error(`could not run redis-server (install: apt-get install redis-server): ${spawnError.message}`);
      }
    },
    kill: () => exited('SIGKILL'),
    stop: () => exited('SIGTERM'),
    command: (...args) => rawCommand(port, args),
  };
  await server.start();
  return server;
}
