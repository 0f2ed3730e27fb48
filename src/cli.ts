#!/usr/bin/env node
// The `ticket-svc` command line: operations tools that share the service's config and store.
//   ticket-svc replay                      rebuild the tickets table from the events table
//   ticket-svc token --tenant T --sub U --roles r1,r2 [--ttl 1h]   mint an HS256 dev token (JWT_SECRET)
//   ticket-svc dlq list | replay <consumer>   inspect and re-drive dead letters
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { type Config, ConfigError, loadConfig } from './config.js';
import { runDlqCommand } from './consumers/dlqCli.js';
import { isRole } from './domain/roles.js';
import { replayTickets } from './events/replay.js';
import { createLogger } from './logger.js';
import { openStore } from './store/open.js';

type Command = (args: string[], config: Config) => Promise<number>;

/** What each command does and takes, printed by `--help`. */
const HELP: Record<string, string> = {
  replay: `ticket-svc replay
  Deletes every row of the tickets table and rebuilds it from the events table, in one transaction.
  Run it with the API stopped on SQLite (writes meanwhile get 503 store_unavailable).
  Options: none. Reads DB_PATH / DATABASE_URL and the rest of the service's environment.`,
  token: `ticket-svc token --tenant <tenant> --sub <user> [--roles <r1,r2>] [--ttl <duration>]
  Prints a development JWT (HS256) signed with JWT_SECRET, for AUTH_MODE=jwt.
    --tenant <tenant>   the token's tenant claim (required)
    --sub <user>        the caller's id, the token's subject (required)
    --roles <list>      comma list of customer, agent, supervisor, admin (default: agent)
    --ttl <duration>    lifetime: a whole number with s, m, h or d (default: 1h)
  Also honours JWT_ISSUER and JWT_AUDIENCE.`,
  dlq: `ticket-svc dlq list [consumer]
ticket-svc dlq replay <consumer>
  list     prints each dead letter (of one consumer, or all) as one JSON line
  replay   sends a consumer's dead letters back to that consumer only, and prints them
  Reads NATS_URL, NATS_CREDS / NATS_NKEY and DLQ_STREAM_NAME.`,
};

const USAGE = `usage: ticket-svc <command> [options]

Commands:
  replay   rebuild the tickets table from the events table
  token    print a development JWT (AUTH_MODE=jwt)
  dlq      list or re-drive dead letters

ticket-svc <command> --help   shows a command's options. Every command reads the service's
configuration from the environment (see the README's Configuration).`;

const io = { out: (line: string) => process.stdout.write(`${line}\n`), err: (line: string) => process.stderr.write(`${line}\n`) };

const commands: Record<string, Command> = {
  dlq: (args, config) => runDlqCommand(args, config, io),

  async replay(_args, config) {
    const store = await openStore(config, createLogger({ level: config.logLevel, service: `${config.serviceName}-cli` }));
    try {
      const started = performance.now();
      const { tickets, events } = await replayTickets(store);
      const ms = Math.round(performance.now() - started);
      process.stdout.write(`replay: rebuilt ${tickets} tickets from ${events} events in ${ms} ms\n`);
      return 0;
    } finally {
      await store.close();
    }
  },

  async token(args, config) {
    const { values } = parseArgs({
      args,
      options: { tenant: { type: 'string' }, sub: { type: 'string' }, roles: { type: 'string', default: 'agent' }, ttl: { type: 'string', default: '1h' } },
    });
    if (config.auth.mode !== 'jwt' || !config.auth.secret) return fail('token: set AUTH_MODE=jwt and JWT_SECRET (the secret the service verifies with)');
    if (!values.tenant || !values.sub) return fail('token: --tenant and --sub are required');
    const roles = values.roles.split(',').map((r) => r.trim());
    const unknown = roles.filter((r) => !isRole(r));
    if (unknown.length > 0) return fail(`token: unknown role ${unknown.join(', ')} (customer, agent, supervisor, admin)`);
    if (!/^\d+[smhd]$/.test(values.ttl)) return fail('token: --ttl is a duration like 15m, 1h, 7d');
    let jwt = new SignJWT({ tenant: values.tenant, roles })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(values.sub)
      .setIssuedAt()
      .setExpirationTime(values.ttl);
    if (config.auth.issuer) jwt = jwt.setIssuer(config.auth.issuer);
    if (config.auth.audience) jwt = jwt.setAudience(config.auth.audience);
    process.stdout.write(`${await jwt.sign(new TextEncoder().encode(config.auth.secret))}\n`);
    return 0;
  },
};

function fail(message: string): number {
  process.stderr.write(`${message}\n`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const asksHelp = (list: string[]) => list.some((a) => a === '--help' || a === '-h');
  if (name === undefined || name === 'help' || asksHelp([name])) {
    if (name === undefined) return fail(USAGE);
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) return fail(`ticket-svc: unknown command ${name}\n${USAGE}`);
  if (asksHelp(args)) {
    process.stdout.write(`${HELP[name]}\n`);
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`config: ${problem}\n`);
    return 2;
  }
  try {
    return await command(args, config);
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.problems.join('\n'));
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) return fail(`${name}: ${error.message}`);
    throw error;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
