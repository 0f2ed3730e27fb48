// ticket-svc's command line: one subcommand per concern, each in the module that owns it.
import { ConfigError, type Config, loadConfig } from './config.js';
import { DLQ_USAGE, runDlqCommand } from './consumers/dlqCli.js';

type Command = (args: readonly string[], config: Config) => Promise<number>;

const io = { out: (line: string) => process.stdout.write(`${line}\n`), err: (line: string) => process.stderr.write(`${line}\n`) };

const COMMANDS: Record<string, Command> = {
  dlq: (args, config) => runDlqCommand(args, config, io),
};

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    io.err(`usage: ticket-svc <command>\n  ${DLQ_USAGE}`);
    return 2;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) io.err(`config: ${problem}`);
    return 2;
  }
  return command(args, config);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    io.err(`ticket-svc: ${(error as Error).message ?? String(error)}`);
    process.exit(1);
  },
);
