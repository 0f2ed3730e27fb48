// How busy the whole machine was over an interval, from the first line of /proc/stat: the share of
// all CPUs' time spent neither idle nor waiting for I/O, whoever spent it. Beside the CPU time of
// the processes a phase runs, it shows whether the cores were the limit, and what a neighbour took.
import { readFileSync } from 'node:fs';

type Ticks = { busy: number; total: number };

function readTicks(): Ticks {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total };
}

/** The CPUs /proc/stat counts: the machine's, which may be more than this process may use. */
export function machineCpus(): number {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((line) => /^cpu\d+ /.test(line)).length;
}

/** Starts now; `busy()` is the fraction (0–1) of all CPUs' time that was busy since. */
export function machineMeter(): { busy(): number } {
  const start = readTicks();
  return {
    busy() {
      const now = readTicks();
      const total = now.total - start.total;
      return total > 0 ? (now.busy - start.busy) / total : Number.NaN;
    },
  };
}
