#!/usr/bin/env node
// Keeps the machine's cores busy, for running the test suite on a saturated machine the way CI and
// shared hosts often are: every test must pass there too, since none may depend on speed.
//
//   node scripts/busy-cores.mjs & npm test; kill %1
//   node scripts/busy-cores.mjs 1 & npx vitest run test/integration/x.int.spec.ts; kill %1
//
// One busy loop (a worker thread) per core, os.availableParallelism(), or as many as the first
// argument says. Runs until killed (SIGTERM, SIGINT/Ctrl-C); the loops end with the process.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const usage = 'usage: node scripts/busy-cores.mjs [loops]   (default: one per core)';
const arg = process.argv[2];
if (arg === '-h' || arg === '--help') {
  console.log(usage);
  process.exit(0);
}
const loops = arg === undefined ? availableParallelism() : Number(arg);
if (!Number.isInteger(loops) || loops < 1) {
  console.error(`busy-cores: "${arg}" is not a positive whole number of loops\n${usage}`);
  process.exit(2);
}

// Arithmetic that never ends and is never optimised away (the sum is published now and then).
const spin = `
  const { parentPort } = require('node:worker_threads');
  let x = 0;
  for (let i = 0; ; i++) {
    x += Math.sqrt(i % 1000003);
    if ((i & 0x3ffffff) === 0) parentPort.postMessage(x);
  }
`;

const workers = Array.from({ length: loops }, () => {
  const worker = new Worker(spin, { eval: true });
  worker.on('message', () => undefined);
  worker.on('error', (error) => {
    console.error(`busy-cores: a loop failed: ${error.message}`);
    process.exit(1);
  });
  return worker;
});

console.error(`busy-cores: ${workers.length} busy loop(s) in pid ${process.pid}; stop with kill ${process.pid} or Ctrl-C`);

const stop = () => process.exit(0);
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('SIGHUP', stop);
