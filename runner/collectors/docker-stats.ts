/** The parts of a Docker stats reading `docker stats` computes its columns from. */
export interface CpuReading {
  /** cpu_stats.cpu_usage.total_usage, ns. */
  totalUsageNs: number;
  /** cpu_stats.system_cpu_usage, ns (host total over all CPUs). */
  systemUsageNs: number;
  /** cpu_stats.online_cpus, or the length of percpu_usage on old engines. */
  onlineCpus: number;
}

interface RawCpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export function toCpuReading(stats: RawCpuStats | undefined): CpuReading | null {
  const total = stats?.cpu_usage?.total_usage;
  const system = stats?.system_cpu_usage;
  if (typeof total !== 'number' || typeof system !== 'number' || system === 0) return null;
  const online = stats?.online_cpus || stats?.cpu_usage?.percpu_usage?.length || 1;
  return { totalUsageNs: total, systemUsageNs: system, onlineCpus: online };
}

/**
 * CPU % between two readings, as the Docker CLI computes it (calculateCPUPercentUnix):
 * container CPU time delta / host CPU time delta x online CPUs x 100, so 100 = one core busy.
 * 0 when either delta is not positive (first reading, restarted container).
 */
export function dockerCpuPercent(previous: CpuReading, current: CpuReading): number {
  const cpuDelta = current.totalUsageNs - previous.totalUsageNs;
  const systemDelta = current.systemUsageNs - previous.systemUsageNs;
  if (cpuDelta <= 0 || systemDelta <= 0) return 0;
  return (cpuDelta / systemDelta) * current.onlineCpus * 100;
}

interface RawMemoryStats {
  usage?: number;
  limit?: number;
  stats?: Record<string, number>;
}

/**
 * Memory in use as `docker stats` shows it: usage minus the inactive page cache
 * (total_inactive_file on cgroup v1, inactive_file on cgroup v2).
 */
export function dockerMemoryBytes(memory: RawMemoryStats | undefined): number {
  const usage = memory?.usage ?? 0;
  const stats = memory?.stats ?? {};
  const inactive = stats.total_inactive_file ?? stats.inactive_file;
  return inactive !== undefined && inactive < usage ? usage - inactive : usage;
}

/**
 * Docker sends the logs of a container without a TTY as frames: 1 byte stream (1 stdout,
 * 2 stderr), 3 zero bytes, a 4-byte big-endian length, then the payload. Returns the payloads
 * joined; a buffer that does not start like a frame is returned as text unchanged (TTY).
 */
export function demuxDockerLog(buffer: Buffer): string {
  const looksFramed = buffer.length >= 8 && (buffer[0] === 1 || buffer[0] === 2) && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
  if (!looksFramed) return buffer.toString('utf8');
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
