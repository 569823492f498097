import cliProgress from 'cli-progress';
import type { Logger } from '../lib/logger.ts';
import { type Terminal, terminal as processTerminal } from '../lib/terminal.ts';

export interface ProgressTask {
  update(done: number, detail?: Record<string, string | number>): void;
  finish(): void;
}

export interface Progress {
  /** A phase with a known amount of work: a bar on a terminal, a log line every few seconds elsewhere. */
  task(label: string, total: number, unit: string): ProgressTask;
}

const LOG_INTERVAL_MS = 5_000;

/**
 * Progress for long work (seeding, load). A terminal gets a live bar on stderr, with log lines
 * printed above the bars; CI and pipes get plain log lines at most every 5 s, so logs stay
 * readable. Once the terminal is gone the bars draw nowhere (lib/terminal.ts).
 */
export function createProgress(log: Logger, interactive = Boolean(process.stderr.isTTY) && !process.env.CI, out: Terminal = processTerminal): Progress {
  let multi: cliProgress.MultiBar | undefined;
  let open = 0;
  return {
    task(label, total, unit) {
      if (interactive) {
        // One MultiBar for the whole process, so tasks running at once (e.g. the Postgres and
        // Redis loads of seeding) each get their own line.
        multi ??= new cliProgress.MultiBar(
          {
            format: `{label} [{bar}] {percentage}% {value}/{total} {unit} {detail}`,
            stream: out.barStream,
            hideCursor: true,
            clearOnComplete: false,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        );
        const bars = multi;
        out.routeLogsThrough((line) => bars.log(line));
        const bar = multi.create(Math.max(1, total), 0, { label: label.padEnd(28), unit, detail: '' });
        open += 1;
        return {
          update(done, detail) {
            bar.update(Math.min(done, total), { detail: detail ? formatDetail(detail) : '' });
          },
          finish() {
            open -= 1;
            if (open === 0) {
              out.routeLogsThrough(undefined);
              multi?.stop();
              multi = undefined;
            }
          },
        };
      }
      let lastLogMs = 0;
      let last = 0;
      return {
        update(done, detail) {
          last = done;
          const now = Date.now();
          if (now - lastLogMs < LOG_INTERVAL_MS) return;
          lastLogMs = now;
          log.info(`${label}: ${done}/${total} ${unit}${detail ? ` ${formatDetail(detail)}` : ''}`);
        },
        finish() {
          log.info(`${label}: done (${last}/${total} ${unit})`);
        },
      };
    },
  };
}

function formatDetail(detail: Record<string, string | number>): string {
  return Object.entries(detail)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
