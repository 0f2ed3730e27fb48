// SQLITE_WRITER=auto counts the CPUs this process may use, a container's CPU limit included.
import { describe, expect, it } from 'vitest';
import { cpuQuota, usableCores } from '../../src/cores.js';

describe('the CPUs this process may use', () => {
  it('reads a cgroup v2 quota, or none when cpu.max says max', () => {
    expect(cpuQuota({ cpuMax: '200000 100000\n' })).toBe(2);
    expect(cpuQuota({ cpuMax: '150000 100000' })).toBe(1.5);
    expect(cpuQuota({ cpuMax: 'max 100000\n' })).toBeUndefined();
  });

  it('reads a cgroup v1 quota, or none when it is -1', () => {
    expect(cpuQuota({ cfsQuotaUs: '400000\n', cfsPeriodUs: '100000\n' })).toBe(4);
    expect(cpuQuota({ cfsQuotaUs: '-1\n', cfsPeriodUs: '100000\n' })).toBeUndefined();
    expect(cpuQuota({})).toBeUndefined();
  });

  it('ignores files it cannot read as numbers', () => {
    expect(cpuQuota({ cpuMax: 'garbage' })).toBeUndefined();
    expect(cpuQuota({ cfsQuotaUs: 'x', cfsPeriodUs: '100000' })).toBeUndefined();
  });

  it('takes the smaller of the CPUs and the quota, rounding a part CPU up', () => {
    expect(usableCores(64, { cpuMax: '200000 100000' })).toBe(2);
    expect(usableCores(64, { cpuMax: '150000 100000' })).toBe(2);
    expect(usableCores(64, { cpuMax: '50000 100000' })).toBe(1);
    expect(usableCores(2, { cpuMax: '800000 100000' })).toBe(2);
    expect(usableCores(8, { cpuMax: 'max 100000' })).toBe(8);
    expect(usableCores(8, {})).toBe(8);
  });
});
