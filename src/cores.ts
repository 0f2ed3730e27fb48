// How many CPUs this process may use. Node 20's os.availableParallelism() counts the CPUs it may
// run on but not a cgroup CPU quota, so a container limited to two CPUs on a large host would
// count them all (libuv reads the quota only in later releases).
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export type CgroupCpuFiles = {
  /** cgroup v2 `cpu.max`: `<quota> <period>` or `max <period>`. */
  cpuMax?: string | undefined;
  /** cgroup v1 `cpu.cfs_quota_us` (-1: none) and `cpu.cfs_period_us`. */
  cfsQuotaUs?: string | undefined;
  cfsPeriodUs?: string | undefined;
};

/** The CPU quota the files set, in CPUs; undefined when they set none. */
export function cpuQuota({ cpuMax, cfsQuotaUs, cfsPeriodUs }: CgroupCpuFiles): number | undefined {
  const ratio = (quota: number, period: number) => (quota > 0 && period > 0 ? quota / period : undefined);
  if (cpuMax !== undefined) {
    const [quota = '', period = ''] = cpuMax.trim().split(/\s+/);
    return quota === 'max' ? undefined : ratio(Number(quota), Number(period));
  }
  if (cfsQuotaUs === undefined || cfsPeriodUs === undefined) return undefined;
  return ratio(Number(cfsQuotaUs), Number(cfsPeriodUs));
}

/** The CPUs this process may run on, fewer when a cgroup quota allows less (rounded up: 1.5 CPUs count as 2). */
export function usableCores(cores = availableParallelism(), files: CgroupCpuFiles = cgroupCpuFiles()): number {
  const quota = cpuQuota(files);
  return quota === undefined ? cores : Math.max(1, Math.min(cores, Math.ceil(quota)));
}

function cgroupCpuFiles(): CgroupCpuFiles {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const cpuMax = read('/sys/fs/cgroup/cpu.max');
  if (cpuMax !== undefined) return { cpuMax };
  return { cfsQuotaUs: read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), cfsPeriodUs: read('/sys/fs/cgroup/cpu/cpu.cfs_period_us') };
}
