import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { FeedscaleError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { aptInstall, canSelfProvision, onPath } from '../../lib/debian-packages.ts';

export interface DockerEngine {
  docker: Dockerode;
  /** DOCKER_HOST, or the socket path used. */
  endpoint: string;
  serverVersion: string;
  /** What this call had to do to get an engine answering. */
  actions: Array<'installed-docker.io' | 'started-dockerd'>;
}

const PING_TIMEOUT_MS = 3_000;
const DOCKERD_START_TIMEOUT_MS = 60_000;
const DEFAULT_SOCKET = '/var/run/docker.sock';

export function stateDir(): string {
  const dir = process.env.FEEDSCALE_STATE_DIR ?? join(homedir(), '.cache', 'feedscale');
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function ping(docker: Dockerode): Promise<boolean> {
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('ping timeout')), PING_TIMEOUT_MS).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds a Docker engine (DOCKER_HOST or the default socket). On a Debian/Ubuntu machine
 * running as root with no engine answering, installs docker.io if needed and starts
 * dockerd in the background (it keeps running for later runs), and says so.
 */
export async function ensureDockerEngine(log: Logger): Promise<DockerEngine> {
  const dockerHost = process.env.DOCKER_HOST;
  const endpoint = dockerHost ?? DEFAULT_SOCKET;
  const docker = dockerHost ? new Dockerode() : new Dockerode({ socketPath: DEFAULT_SOCKET });
  const actions: DockerEngine['actions'] = [];

  if (!(await ping(docker))) {
    if (dockerHost) {
      throw new FeedscaleError(
        'CTR_ERR_ENGINE_UNAVAILABLE',
        `DOCKER_HOST=${dockerHost} does not answer. Start that engine, or unset DOCKER_HOST to use the local socket.`,
      );
    }
    if (!canSelfProvision()) {
      throw new FeedscaleError(
        'CTR_ERR_ENGINE_UNAVAILABLE',
        `no Docker engine answers at ${DEFAULT_SOCKET}. Install and start Docker (Debian/Ubuntu: apt-get install docker.io && dockerd &; ` +
          'elsewhere: Docker Engine or Docker Desktop), or point DOCKER_HOST at a running engine.',
      );
    }
    if (!onPath('dockerd')) {
      log.warn('no Docker engine found: installing Debian\'s docker.io');
      aptInstall(['docker.io'], log, 'CTR_ERR_ENGINE_UNAVAILABLE');
      actions.push('installed-docker.io');
    }
    const logPath = join(stateDir(), 'dockerd.log');
    log.warn({ logPath }, 'no Docker engine answering: starting dockerd in the background');
    const out = openSync(logPath, 'a');
    const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', out, out] });
    child.unref();
    actions.push('started-dockerd');
    const deadline = Date.now() + DOCKERD_START_TIMEOUT_MS;
    while (!(await ping(docker))) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new FeedscaleError('CTR_ERR_ENGINE_UNAVAILABLE', `dockerd did not come up within ${DOCKERD_START_TIMEOUT_MS / 1000} s; see ${logPath}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const version = (await docker.version()) as { Version?: string };
  // Ryuk (the Testcontainers reaper) needs a registry; we clean up by label ourselves.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  if (!dockerHost) process.env.DOCKER_HOST = `unix://${DEFAULT_SOCKET}`;
  return { docker, endpoint, serverVersion: version.Version ?? 'unknown', actions };
}
