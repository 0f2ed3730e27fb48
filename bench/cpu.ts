// CPU time a process spends, from /proc: the whole process (all threads) and its main thread. Per
// request it is steadier than req/s on a shared machine, where a busy neighbour lowers both the
// service's and the reference's throughput but not the work each request costs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { LoadResult } from './httpLoad.js';

const TICKS_PER_SECOND = clockTicks();

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** utime + stime of a /proc stat file, in microseconds. */
function cpuMicros(statPath: string): number {
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const text = readFileSync(statPath, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
}

export type CpuSpent = { processUs: number; mainThreadUs: number };

/** Starts counting now; `spent()` is the CPU time used since. */
export function cpuMeter(pid: number): { spent(): CpuSpent } {
  const read = (): CpuSpent => ({ processUs: cpuMicros(`/proc/${pid}/stat`), mainThreadUs: cpuMicros(`/proc/${pid}/task/${pid}/stat`) });
  const start = read();
  return {
    spent() {
      const now = read();
      return { processUs: now.processUs - start.processUs, mainThreadUs: now.mainThreadUs - start.mainThreadUs };
    },
  };
}

/** CPU time per answered request of one load phase. */
export function perRequest(spent: CpuSpent, load: LoadResult): CpuSpent {
  const answered = Math.max(1, load.ok + load.non2xx);
  return { processUs: spent.processUs / answered, mainThreadUs: spent.mainThreadUs / answered };
}
