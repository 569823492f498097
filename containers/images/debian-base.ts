import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { FeedscaleError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { ensureCommand } from '../../lib/debian-packages.ts';
import { IMAGE_LABEL, imageExists } from './image-build.ts';

/** Inputs of the Debian base image; changing any of them makes a new tag. */
export const DEBIAN_BASE = Object.freeze({
  suite: 'bookworm',
  variant: 'minbase',
  mirror: process.env.FEEDSCALE_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian',
  recipeVersion: 1,
});

export function debianBaseTag(): string {
  const hash = createHash('sha256').update(JSON.stringify(DEBIAN_BASE)).digest('hex').slice(0, 16);
  return `feedscale/debian-base:${DEBIAN_BASE.suite}-${hash}`;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output = (output + d).slice(-8000)));
    child.stderr.on('data', (d) => (output = (output + d).slice(-8000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}\n${output.slice(-2000)}`))));
  });
}

/**
 * The root of every local image: a minimal Debian bookworm made by debootstrap and
 * `docker import`ed. Needs root and debootstrap (installed from Debian if missing).
 */
export async function ensureDebianBase(docker: Dockerode, log: Logger): Promise<{ tag: string; cached: boolean; elapsedMs: number }> {
  const started = Date.now();
  const tag = debianBaseTag();
  if (await imageExists(docker, tag)) return { tag, cached: true, elapsedMs: 0 };
  if (process.getuid?.() !== 0) {
    throw new FeedscaleError('CTR_ERR_IMAGE_BUILD', 'building the local Debian base image needs root (debootstrap); run as root or use --catalog official');
  }
  ensureCommand('debootstrap', 'debootstrap', log, 'CTR_ERR_IMAGE_BUILD');

  const dir = await mkdtemp(join(tmpdir(), 'feedscale-debootstrap-'));
  const root = join(dir, 'root');
  try {
    log.info({ image: tag }, `debootstrap ${DEBIAN_BASE.variant} ${DEBIAN_BASE.suite} (about 30-60 s)`);
    await run('debootstrap', [`--variant=${DEBIAN_BASE.variant}`, DEBIAN_BASE.suite, root, DEBIAN_BASE.mirror]).catch((err: Error) => {
      throw new FeedscaleError('CTR_ERR_IMAGE_BUILD', `debootstrap failed: ${err.message}`, { cause: err });
    });
    const [repo, version] = tag.split(':') as [string, string];
    const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const importOptions = { repo, tag: version, changes: [`LABEL ${IMAGE_LABEL}=true`, 'ENV LANG=C.UTF-8', 'CMD ["/bin/bash"]'] };
    const stream = (await docker.importImage(tar.stdout as unknown as string, importOptions)) as unknown as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (!(await imageExists(docker, tag))) throw new FeedscaleError('CTR_ERR_IMAGE_BUILD', `docker import did not produce ${tag}`);
  log.info({ image: tag, elapsedMs: Date.now() - started }, `built ${tag}`);
  return { tag, cached: false, elapsedMs: Date.now() - started };
}
