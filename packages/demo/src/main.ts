/** `pnpm demo`: start everything, print the walk-through, stop cleanly on Ctrl-C. */
import process from 'node:process';
import { instructions, startDemo, type Demo } from './demo.js';

const basePort = Number(process.env.PORTCULLIS_DEMO_PORT ?? 9400);
const running: { demo?: Demo } = {};
let stopping = false;

const stop = (): void => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping…\n');
  (running.demo?.close() ?? Promise.resolve()).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
// Installed before anything is printed, so a Ctrl-C right after the walk-through still closes cleanly.
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const demo = await startDemo({ basePort }).catch(async (error: unknown) => {
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
  console.warn(`ports ${basePort}-${basePort + 6} are busy; using free ports instead`);
  return startDemo({ basePort: 0 });
});
running.demo = demo;
if (stopping) await demo.close();
else process.stdout.write(instructions(demo) + '\n');
