// The process entry: read the config (one clear line per bad variable), start, stop on SIGTERM/SIGINT.
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// Loading the service makes objects that all live for good (module code, schemas, statements).
// V8 reads that survival as a sign to grow the young generation to its semi-space maximum, and
// keeps it until its memory reducer runs, a quarter more idle RSS (docs/performance-notes.md). So the young
// generation keeps its start size while the modules load (they are imported below, not at the
// top, for this) and grows under load as usual once the service listens.

// V8's default --semi-space-growth-factor. V8 has no way to read a flag back, so a factor given on
// the command line (node --semi-space-growth-factor=N) is replaced by this one after start.
const V8_SEMI_SPACE_GROWTH = 2;
setFlagsFromString('--semi-space-growth-factor=1');

const { ConfigError, loadConfig } = await import('./config.js');
const { startSystem } = await import('./system.js');
const { createLogger } = await import('./logger.js');

async function main(): Promise<void> {
  let system: Awaited<ReturnType<typeof startSystem>>;
  try {
    const config = loadConfig();
    // V8 lets the old generation grow up to 4× what the last full collection kept before it
    // collects again; under load, request garbage promoted there more than doubled RSS.
    // A fixed factor keeps memory near the live set, for some more time spent marking.
    if (config.heapGrowthPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`);
    // API workers run this same program.
    system = await startSystem(config, { workerEntry: fileURLToPath(import.meta.url) });
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`config: ${problem}\n`);
      process.exit(2);
    }
    // One line that says why, not the bundle's source around the throw.
    createLogger({ level: 'info', service: 'ticket-svc', destination: process.stdout }).fatal({ operation: 'start', err: error }, 'could not start');
    process.exit(1);
  } finally {
    setFlagsFromString(`--semi-space-growth-factor=${V8_SEMI_SPACE_GROWTH}`);
  }
  // A failure nothing awaited is a defect to log, never the end of every other client's request.
  process.on('unhandledRejection', (reason) => system.log.error({ operation: 'unhandled_rejection', err: reason }, 'a promise failed with no owner'));
  process.on('uncaughtException', (error) => system.log.error({ operation: 'uncaught_exception', err: error }, 'an error escaped every handler'));
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    // A worker gets the signal twice when the whole group is signalled (from the terminal, and from its primary).
    if (shuttingDown) return;
    shuttingDown = true;
    system.log.info({ operation: 'shutdown', signal }, 'signal received');
    system.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        system.log.error({ operation: 'shutdown', err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // An API worker whose primary is gone exits at once: Node's cluster ends a worker whose channel
  // closes. Nothing acknowledged is lost (every write was committed by the primary before its answer).
}

void main();
