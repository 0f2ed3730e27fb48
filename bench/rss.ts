// Resident memory of a process from /proc/<pid>/status: one reading, or the peak while sampling every 100 ms.
import { readFileSync } from 'node:fs';

export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

export type RssSampler = { peakMb(): number; stop(): void };

export function sampleRss(pid: number, everyMs = 100): RssSampler {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      // The process is gone; keep the peak seen so far.
    }
  }, everyMs);
  return {
    peakMb: () => peak,
    stop: () => clearInterval(timer),
  };
}
