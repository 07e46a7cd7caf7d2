/** Bun and Deno entry of the runtime benchmark: serves bench-app on 127.0.0.1 and prints `{"port":N}`. */
/* global Bun, Deno, console */
import { handle } from './bench-app.mjs';

if (typeof Bun !== 'undefined') {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: handle });
  // eslint-disable-next-line no-console -- the port line the runner reads
  console.log(JSON.stringify({ port: server.port, runtime: `bun ${Bun.version}` }));
} else {
  // eslint-disable-next-line no-console -- the port line the runner reads
  Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(JSON.stringify({ port, runtime: `deno ${Deno.version.deno}` })) }, handle);
}
