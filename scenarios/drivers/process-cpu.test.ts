import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processCpuSeconds, watchProcessCpu } from './process-cpu.ts';

describe('process CPU from /proc', () => {
  it('agrees with the CPU the child reports of itself, busy or idle, however loaded the machine is', async () => {
    const measure = async (work: string) => {
      // The child prints its own CPU seconds (process.cpuUsage) just before it ends.
      const code = `${work}; const u = process.cpuUsage(); console.log((u.user + u.system) / 1e6);`;
      const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const started = performance.now();
      const watch = watchProcessCpu(child.pid!, 20);
      await new Promise((resolve) => child.on('exit', resolve));
      const fraction = watch.stop()!;
      const wallS = (performance.now() - started) / 1000;
      return { watchedCpuS: fraction * wallS, selfReportedCpuS: Number(out.trim()) };
    };
    const busy = await measure('const end = Date.now() + 800; while (Date.now() < end) {}');
    const idle = await measure('setTimeout(() => {}, 800)');
    // Within a sampling interval's worth of ticks plus the child's last instants.
    expect(Math.abs(busy.watchedCpuS - busy.selfReportedCpuS)).toBeLessThan(0.15 + 0.1 * busy.selfReportedCpuS);
    expect(busy.selfReportedCpuS).toBeGreaterThan(idle.selfReportedCpuS + 0.1);
    expect(idle.watchedCpuS).toBeLessThan(busy.watchedCpuS);
  }, 20_000);

  it('reads nothing for a process that does not exist', () => {
    expect(processCpuSeconds(2 ** 22 + 17)).toBeUndefined();
  });
});
