// CPU time a process tree spends, from /proc: the service's primary and its API workers together
// (all threads), their main threads, and the primary alone. Per request it is steadier than req/s
// on a shared machine, where a busy neighbour lowers both the service's and the reference's
// throughput but not the work each request costs.
import { execFileSync } from 'node:child_process';
import type { LoadResult } from './httpLoad.js';
import { processTree, statFields } from './procfs.js';

const TICKS_PER_SECOND = clockTicks();

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** utime + stime of a /proc stat file, and cutime + cstime (children it has waited for), in microseconds. */
function cpuMicros(statPath: string): { ownUs: number; reapedUs: number } | undefined {
  const fields = statFields(statPath);
  if (!fields) return undefined;
  const us = (ticks: number) => (ticks * 1e6) / TICKS_PER_SECOND;
  return { ownUs: us(Number(fields[11]) + Number(fields[12])), reapedUs: us(Number(fields[13]) + Number(fields[14])) };
}

export type CpuSpent = {
  /** The whole tree: every process, all threads, and the processes of it that exited meanwhile. */
  processUs: number;
  /** The main threads of the tree's processes: their event loops. */
  mainThreadUs: number;
  /** The root process alone, all its threads: with API workers, the primary (writer, relay). */
  rootUs: number;
  /** Processes in the tree at the end. */
  processes: number;
};

type TreeReading = { totalUs: number; rootUs: number; mainUs: Map<number, number>; processes: number };

function readTree(root: number): TreeReading {
  const reading: TreeReading = { totalUs: 0, rootUs: 0, mainUs: new Map(), processes: 0 };
  for (const pid of processTree(root)) {
    const times = cpuMicros(`/proc/${pid}/stat`);
    if (!times) continue;
    reading.processes++;
    // A worker that exits is reaped by its parent and its time moves to the parent's cutime: counting
    // what each process has reaped keeps the total whole when workers are replaced.
    reading.totalUs += times.ownUs + times.reapedUs;
    if (pid === root) reading.rootUs = times.ownUs;
    const main = cpuMicros(`/proc/${pid}/task/${pid}/stat`);
    if (main) reading.mainUs.set(pid, main.ownUs);
  }
  return reading;
}

/** Starts counting now; `spent()` is the CPU time the tree under `pid` used since, its processes found again at each call. */
export function cpuMeter(pid: number): { spent(): CpuSpent } {
  const start = readTree(pid);
  return {
    spent() {
      const now = readTree(pid);
      let mainThreadUs = 0;
      for (const [p, us] of now.mainUs) mainThreadUs += us - (start.mainUs.get(p) ?? 0);
      return { processUs: now.totalUs - start.totalUs, mainThreadUs, rootUs: now.rootUs - start.rootUs, processes: now.processes };
    },
  };
}

/**
 * CPU time of the processes `select` names at each reading (all threads, without what they reaped:
 * a server's postmaster reaps other clients' processes too). One that exits in between takes its
 * time along, one that starts counts in full.
 */
export function selectionCpuMeter(select: () => number[]): { spent(): { us: number; processes: number } } {
  const read = () => {
    const times = new Map<number, number>();
    for (const pid of select()) {
      const used = cpuMicros(`/proc/${pid}/stat`);
      if (used) times.set(pid, used.ownUs);
    }
    return times;
  };
  const start = read();
  return {
    spent() {
      const now = read();
      let us = 0;
      for (const [pid, used] of now) us += used - (start.get(pid) ?? 0);
      return { us, processes: now.size };
    },
  };
}

/** CPU time of this process (the load generator, its worker threads included) since now, in microseconds. */
export function ownCpuMeter(): { spentUs(): number } {
  const start = process.cpuUsage();
  return {
    spentUs() {
      const used = process.cpuUsage(start);
      return used.user + used.system;
    },
  };
}

/** CPU time per answered request of one load phase. */
export function perRequest(spent: CpuSpent, load: Pick<LoadResult, 'ok' | 'non2xx'>): CpuSpent {
  const answered = answeredOf(load);
  return { processUs: spent.processUs / answered, mainThreadUs: spent.mainThreadUs / answered, rootUs: spent.rootUs / answered, processes: spent.processes };
}

/** Requests the load got an answer to (at least 1, to divide by). */
export function answeredOf(load: Pick<LoadResult, 'ok' | 'non2xx'>): number {
  return Math.max(1, load.ok + load.non2xx);
}
