import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type Dockerode from 'dockerode';
import { FeedscaleError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';

export const IMAGE_LABEL = 'feedscale.managed';
export const INPUTS_LABEL = 'feedscale.inputs-sha256';

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out.sort();
}

async function hashFile(path: string, hash: ReturnType<typeof createHash>): Promise<void> {
  const { size } = await stat(path);
  if (size < 4 * 1024 * 1024) {
    hash.update(await readFile(path));
    return;
  }
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** sha256 over every file of a build context (names and bytes) plus the build args. */
export async function hashBuildInputs(contextDir: string, buildArgs: Record<string, string>): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await listFiles(contextDir)) {
    hash.update(`\0file:${relative(contextDir, file)}\0`);
    await hashFile(file, hash);
  }
  for (const [key, value] of Object.entries(buildArgs).sort()) hash.update(`\0arg:${key}=${value}`);
  return hash.digest('hex');
}

export async function imageExists(docker: Dockerode, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

export interface BuildImageOptions {
  /** Repository name, e.g. "feedscale/postgres"; the tag is the first 16 hex of the inputs hash. */
  repository: string;
  contextDir: string;
  buildArgs?: Record<string, string>;
}

export interface BuiltImage {
  tag: string;
  cached: boolean;
  elapsedMs: number;
}

/**
 * Builds an image from a context folder unless an image with the same inputs hash exists.
 * Output goes to the logger at debug level; a failure shows the tail of the build log.
 */
export async function buildImageCached(docker: Dockerode, options: BuildImageOptions, log: Logger): Promise<BuiltImage> {
  const started = Date.now();
  const buildArgs = options.buildArgs ?? {};
  const inputsHash = await hashBuildInputs(options.contextDir, buildArgs);
  const tag = `${options.repository}:${inputsHash.slice(0, 16)}`;
  if (await imageExists(docker, tag)) return { tag, cached: true, elapsedMs: Date.now() - started };
  await buildImage(docker, { tag, inputsHash, contextDir: options.contextDir, buildArgs }, log);
  return { tag, cached: false, elapsedMs: Date.now() - started };
}

/**
 * Builds `tag` from a context folder, labelled with the inputs hash it was tagged by, whatever
 * exists; callers decide when a build is needed (buildImageCached, or a caller whose inputs hash
 * is cheaper to compute than hashing its context, as containers/images/clinic-tools.ts).
 */
export async function buildImage(
  docker: Dockerode,
  options: { tag: string; inputsHash: string; contextDir: string; buildArgs?: Record<string, string> },
  log: Logger,
): Promise<void> {
  const { tag, inputsHash } = options;
  const started = Date.now();
  log.info({ image: tag }, `building image ${tag}`);
  const src = (await listFiles(options.contextDir)).map((f) => relative(options.contextDir, f));
  const lines: string[] = [];
  try {
    const stream = await docker.buildImage(
      { context: options.contextDir, src },
      { t: tag, buildargs: options.buildArgs ?? {}, labels: { [IMAGE_LABEL]: 'true', [INPUTS_LABEL]: inputsHash }, rm: true, forcerm: true },
    );
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err) => (err ? reject(err) : resolve()),
        (event: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
          if (event.stream) {
            for (const line of event.stream.split('\n')) if (line.trim()) lines.push(line);
            log.debug({ image: tag }, event.stream.trimEnd());
          }
          if (event.error) reject(new Error(event.errorDetail?.message ?? event.error));
        },
      );
    });
  } catch (err) {
    const tail = lines.slice(-25).join('\n');
    throw new FeedscaleError('CTR_ERR_IMAGE_BUILD', `building ${tag} failed: ${(err as Error).message}\n--- build log tail ---\n${tail}`, { cause: err });
  }
  if (!(await imageExists(docker, tag))) {
    throw new FeedscaleError('CTR_ERR_IMAGE_BUILD', `building ${tag} reported success but the image is missing\n${lines.slice(-25).join('\n')}`);
  }
  log.info({ image: tag, elapsedMs: Date.now() - started }, `built ${tag}`);
}
