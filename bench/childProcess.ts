// Node child processes for the benchmark: spawn with a clean env, wait until an HTTP path answers, stop for sure.
import { type ChildProcess, spawn } from 'node:child_process';
import { processTree, startTime } from './procfs.js';

export type NodeChild = {
  label: string;
  pid: number;
  child: ChildProcess;
  /** The last few KB of its stdout and stderr, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within the grace period; then SIGKILL for any of its children (API workers) still there. */
  stop(graceMs?: number): Promise<void>;
};

export function spawnNode(label: string, script: string, env: Record<string, string>): NodeChild {
  // Only PATH from our environment: a stray DB_PATH or RELAY_* in the caller's shell must not change what is measured.
  const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error(`${label}: could not spawn ${script}`);
  return {
    label,
    pid: child.pid,
    child,
    output: () => output,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Taken now, while they are still its children: a primary killed after the grace period could
      // leave its API workers running into the next phase.
      const descendants = processTree(child.pid!)
        .slice(1)
        .map((pid) => ({ pid, started: startTime(pid) }));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      for (const { pid, started } of descendants) {
        // The same process, not a new one that got its pid.
        if (started === undefined || startTime(pid) !== started) continue;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
    },
  };
}

/** Throws with the child's last output if it has exited: figures from a dead server would be meaningless. */
export function assertRunning(target: NodeChild): void {
  if (target.child.exitCode !== null || target.child.signalCode !== null) {
    throw new Error(`${target.label} exited (${target.child.exitCode ?? target.child.signalCode}) during the run:\n${target.output()}`);
  }
}

export async function waitForStatus(target: NodeChild, url: string, status: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    assertRunning(target);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      last = `${res.status} ${await res.text()}`;
      if (res.status === status) return;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${target.label}: ${url} did not answer ${status} within ${timeoutMs} ms (last: ${last}):\n${target.output()}`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
