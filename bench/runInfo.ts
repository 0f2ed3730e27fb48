// What a results file says about where it was measured: the machine, the build, the nats-server.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { usableCores } from '../src/cores.js';
import { machineCpus } from './machine.js';

export function machineInfo(natsServerBin: string) {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    usable_cores: usableCores(),
    proc_stat_cpus: machineCpus(),
    model: cpus[0]?.model ?? 'unknown',
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memory_mb: Math.round(os.totalmem() / 2 ** 20),
    nats_server: execFileSync(natsServerBin, ['--version'], { encoding: 'utf8' }).trim(),
  };
}

export function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+uncommitted` : head;
  } catch {
    return 'unknown';
  }
}
