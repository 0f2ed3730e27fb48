// Resident memory of a process tree (the service's primary and its API workers) from
// /proc/<pid>/status: one reading, or the peaks while sampling. The tree's total counts the pages
// every process maps, such as Node's own code, once per process: what the processes hold, not
// what they would free together.
import { procText, processTree } from './procfs.js';

export type TreeRss = {
  totalMb: number;
  /** The largest single process. */
  maxProcessMb: number;
  processes: number;
  /** Each process, the root first. */
  eachMb: number[];
};

function processRssMb(pid: number): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(procText(pid, 'status') ?? '');
  return match ? Number(match[1]) / 1024 : undefined;
}

export function treeRss(pid: number): TreeRss {
  const eachMb = processTree(pid).flatMap((p) => {
    const mb = processRssMb(p);
    return mb === undefined ? [] : [mb];
  });
  if (eachMb.length === 0) throw new Error(`no VmRSS for pid ${pid}`);
  return { totalMb: eachMb.reduce((a, b) => a + b, 0), maxProcessMb: Math.max(...eachMb), processes: eachMb.length, eachMb };
}

/** The whole tree's RSS. */
export function rssMb(pid: number): number {
  return treeRss(pid).totalMb;
}

export type RssSampler = {
  /** The largest tree total seen. */
  peakMb(): number;
  /** The largest single process seen. */
  peakProcessMb(): number;
  stop(): void;
};

export function sampleRss(pid: number, everyMs = 100): RssSampler {
  const first = treeRss(pid);
  let peak = first.totalMb;
  let peakProcess = first.maxProcessMb;
  const timer = setInterval(() => {
    try {
      const now = treeRss(pid);
      peak = Math.max(peak, now.totalMb);
      peakProcess = Math.max(peakProcess, now.maxProcessMb);
    } catch {
      // The process is gone; keep the peaks seen so far.
    }
  }, everyMs);
  return {
    peakMb: () => peak,
    peakProcessMb: () => peakProcess,
    stop: () => clearInterval(timer),
  };
}
