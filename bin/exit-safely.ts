// Imported first by the CLI entry points. Node.js 24 can deadlock at exit: the main thread, in
// process.exit, waits for the platform's worker threads while a background compile job on one of
// them waits for a garbage collection only the main thread could run (nodejs/node#54918 and
// #64274). Seen here as a `cohort-lab` command that printed its result and never ended, which held
// a CI run until its time ran out. Compiling on the main thread only closes that window; for a
// command that runs seconds to minutes the cost is not measurable.
import { setFlagsFromString } from 'v8';

for (const flag of ['--no-concurrent-sparkplug', '--no-concurrent-recompilation', '--no-concurrent-osr']) {
  setFlagsFromString(flag);
}
