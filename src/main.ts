// The process entry: read the config (one clear line per bad variable), start, stop on SIGTERM/SIGINT.
import { ConfigError, loadConfig } from './config.js';
import { startSystem } from './system.js';

async function main(): Promise<void> {
  let system: Awaited<ReturnType<typeof startSystem>>;
  try {
    system = await startSystem(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`config: ${problem}\n`);
      process.exit(2);
    }
    throw error;
  }
  const shutdown = (signal: string) => {
    system.log.info({ operation: 'shutdown', signal }, 'signal received');
    system.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        system.log.error({ operation: 'shutdown', err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

void main();
