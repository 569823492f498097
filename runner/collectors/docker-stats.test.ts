import { describe, expect, it } from 'vitest';
import { demuxDockerLog, dockerCpuPercent, dockerMemoryBytes, toCpuReading } from './docker-stats.ts';

describe('docker stats arithmetic', () => {
  it('computes CPU % as docker stats does: container delta / host delta x online CPUs x 100', () => {
    // Host: 2 CPUs, 1 s elapsed = 2e9 ns of host CPU time; the container used 0.5 s of CPU.
    const before = { totalUsageNs: 10e9, systemUsageNs: 1000e9, onlineCpus: 2 };
    const after = { totalUsageNs: 10.5e9, systemUsageNs: 1002e9, onlineCpus: 2 };
    expect(dockerCpuPercent(before, after)).toBeCloseTo(50);
  });

  it('reports 0 % when the counters went backwards (a restarted container) or the host clock did not move', () => {
    const reading = { totalUsageNs: 5e9, systemUsageNs: 100e9, onlineCpus: 2 };
    expect(dockerCpuPercent(reading, { ...reading, totalUsageNs: 1e9, systemUsageNs: 101e9 })).toBe(0);
    expect(dockerCpuPercent(reading, reading)).toBe(0);
  });

  it('reads online CPUs, falling back to the per-CPU list, and no reading from empty one-shot precpu stats', () => {
    expect(toCpuReading({ cpu_usage: { total_usage: 7 }, system_cpu_usage: 9, online_cpus: 4 })).toEqual({ totalUsageNs: 7, systemUsageNs: 9, onlineCpus: 4 });
    expect(toCpuReading({ cpu_usage: { total_usage: 7, percpu_usage: [3, 4, 0] }, system_cpu_usage: 9 })!.onlineCpus).toBe(3);
    expect(toCpuReading({ cpu_usage: { total_usage: 0 } })).toBeNull();
    expect(toCpuReading(undefined)).toBeNull();
  });

  it('subtracts the inactive page cache from memory usage on cgroup v1 and v2', () => {
    expect(dockerMemoryBytes({ usage: 1000, stats: { total_inactive_file: 300 } })).toBe(700);
    expect(dockerMemoryBytes({ usage: 1000, stats: { inactive_file: 100 } })).toBe(900);
    expect(dockerMemoryBytes({ usage: 1000, stats: { inactive_file: 5000 } })).toBe(1000);
    expect(dockerMemoryBytes(undefined)).toBe(0);
  });
});

describe('docker log frames', () => {
  const frame = (stream: number, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };

  it('joins the payloads of stdout/stderr frames', () => {
    expect(demuxDockerLog(Buffer.concat([frame(1, 'a line\n'), frame(1, 'another\n')]))).toBe('a line\nanother\n');
  });

  it('returns unframed (TTY) output as it is', () => {
    expect(demuxDockerLog(Buffer.from('plain text\n'))).toBe('plain text\n');
  });
});
