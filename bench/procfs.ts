// Reading /proc: one process's stat fields, and the processes of a tree (a pid and every
// descendant), found afresh at each call because API workers come and go: the primary replaces a
// worker that dies with a new pid.
import { existsSync, readFileSync, readdirSync } from 'node:fs';

/** The fields of a /proc stat file after the command name (fields[0] is the state); undefined once the process is gone. */
export function statFields(path: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** A file under /proc/<pid>/, or undefined once the process is gone. */
export function procText(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return undefined;
  }
}

/** Every process on the machine. */
export function allPids(): number[] {
  return readdirSync('/proc').flatMap((name) => (/^\d+$/.test(name) ? [Number(name)] : []));
}

// Linux lists each thread's children in /proc/<pid>/task/<tid>/children only when built with
// CONFIG_PROC_CHILDREN; without it the parent pid in every process's stat file says the same,
// at the cost of reading them all.
const CHILDREN_FILES = existsSync(`/proc/${process.pid}/task/${process.pid}/children`);

/** `root` first, then its descendants, breadth first. */
export function processTree(root: number): number[] {
  const childrenOf = CHILDREN_FILES ? childrenFromFiles : childrenByParent();
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...childrenOf(tree[i]!));
  return tree;
}

function childrenFromFiles(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  // Children belong to the thread that forked them, so every thread's list counts.
  return tasks.flatMap((tid) => {
    const text = procText(pid, `task/${tid}/children`) ?? '';
    return text.split(' ').flatMap((word) => (word === '' ? [] : [Number(word)]));
  });
}

function childrenByParent(): (pid: number) => number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const parent = Number(statFields(`/proc/${pid}/stat`)?.[1]);
    if (!Number.isFinite(parent)) continue;
    const list = children.get(parent);
    if (list) list.push(pid);
    else children.set(parent, [pid]);
  }
  return (pid) => children.get(pid) ?? [];
}

/** When the process started (clock ticks since boot): with the pid, it names one process even after pids are reused. */
export function startTime(pid: number): string | undefined {
  return statFields(`/proc/${pid}/stat`)?.[19];
}
