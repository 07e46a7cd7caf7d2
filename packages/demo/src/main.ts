/** `pnpm demo`: start everything, print the walk-through, stop cleanly on Ctrl-C. */
import process from 'node:process';
import { instructions, startDemo } from './demo.js';

const basePort = Number(process.env.PORTCULLIS_DEMO_PORT ?? 9400);
const demo = await startDemo({ basePort }).catch(async (error: unknown) => {
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
  console.warn(`ports ${basePort}-${basePort + 3} are busy; using free ports instead`);
  return startDemo({ basePort: 0 });
});
process.stdout.write(instructions(demo) + '\n');

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping…\n');
  demo.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
