import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { FeedscaleError, type ErrorCode } from './errors.ts';
import type { Logger } from './logger.ts';

/** True when `command` is on PATH. */
export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Root on Debian or Ubuntu with apt-get: the harness may install what it needs itself. */
export function canSelfProvision(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/etc/debian_version') && onPath('apt-get');
}

/** Installs Debian packages with apt-get (root on Debian/Ubuntu only); a failure carries `code`. */
export function aptInstall(packages: readonly string[], log: Logger, code: ErrorCode): void {
  log.info({ packages }, `installing Debian packages: ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...packages]]) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) {
      throw new FeedscaleError(code, `apt-get ${args[0]} failed (exit ${result.status}): ${(result.stderr ?? '').slice(-800)}`);
    }
  }
}

/**
 * Makes `command` available: already on PATH, or installed from Debian's `debianPackage` where
 * the harness may install (root on Debian/Ubuntu), else an error with `code` that says what to
 * install. The same rule the Docker engine follows (containers/docker/engine.ts).
 */
export function ensureCommand(command: string, debianPackage: string, log: Logger, code: ErrorCode): void {
  if (onPath(command)) return;
  if (!canSelfProvision()) {
    throw new FeedscaleError(code, `${command} is not installed and cannot be installed here: install Debian's ${debianPackage} (apt-get install ${debianPackage}) or its equivalent`);
  }
  log.warn(`${command} is missing: installing Debian's ${debianPackage}`);
  aptInstall([debianPackage], log, code);
  if (!onPath(command)) throw new FeedscaleError(code, `installed ${debianPackage} but ${command} is still not on PATH`);
}
