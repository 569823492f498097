import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { FeedscaleError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ImageCatalogChoice } from '../stack-config.ts';
import { IMAGES_DIR, REPO_ROOT, prepareContext } from './bundle.ts';
import { ensureDebianBase } from './debian-base.ts';
import { ensureClinicImage } from './clinic-tools.ts';
import { type BuiltImage, buildImageCached, imageExists } from './image-build.ts';
import { OBJECT_STORE_FLAVOURS, OFFICIAL_IMAGES, OFFICIAL_REGISTRY, type ResolvedCatalog, STANDIN_LABEL, type ServiceName } from './image-catalog.ts';

const PULL_TIMEOUT_MS = 10 * 60_000;

/** Entry points bundled into the app image; containers pick one with their command. */
export const APP_ENTRIES = Object.freeze([
  { source: 'system/app/server.ts', outfile: 'server.mjs' },
  { source: 'system/jobs/worker.ts', outfile: 'worker.mjs' },
  { source: 'system/jobs/notification-sink.ts', outfile: 'notification-sink.mjs' },
]);

async function pull(docker: Dockerode, image: string): Promise<void> {
  if (await imageExists(docker, image)) return;
  const stream = (await docker.pull(image)) as NodeJS.ReadableStream;
  await Promise.race([
    new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve()))),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`pull of ${image} timed out`)), PULL_TIMEOUT_MS).unref()),
  ]);
}

/** The images that carry the stand-in label (official-standins/ builds them where no registry is reachable). */
async function standinsAmong(docker: Dockerode, images: readonly string[]): Promise<string[]> {
  const labelled = await Promise.all(
    images.map(async (image) => {
      const info = (await docker.getImage(image).inspect().catch(() => undefined)) as { Config?: { Labels?: Record<string, string> | null } } | undefined;
      return info?.Config?.Labels?.[STANDIN_LABEL] === 'true' ? image : undefined;
    }),
  );
  return labelled.filter((image): image is string => image !== undefined);
}

/** Pulls every official image; returns the first failure's message, or undefined when all are present. */
async function pullOfficial(docker: Dockerode, log: Logger): Promise<string | undefined> {
  const results = await Promise.allSettled(Object.values(OFFICIAL_IMAGES).map((image) => pull(docker, image)));
  const failed = results.findIndex((r) => r.status === 'rejected');
  if (failed === -1) return undefined;
  const image = Object.values(OFFICIAL_IMAGES)[failed];
  const reason = (results[failed] as PromiseRejectedResult).reason as Error;
  log.debug({ image, err: reason.message }, 'official image not available');
  // Docker's pull errors carry the whole HTTP exchange; the last clause says why.
  const why = reason.message.split('\n')[0]!.split(': ').pop()!.trim();
  return `pull of ${image} failed (${why})`;
}

/** The app image's build arguments: its Node base and the clinic image it copies clinic from. */
export function appBuildArgs(nodeBase: string, clinicTag: string): Record<string, string> {
  return { BASE: nodeBase, CLINIC: clinicTag };
}

async function buildAppImage(docker: Dockerode, nodeBase: string, log: Logger): Promise<BuiltImage> {
  const [contextDir, clinic] = await Promise.all([
    prepareContext({
      name: 'app',
      dockerfileDir: join(IMAGES_DIR, 'app'),
      entries: APP_ENTRIES.map((e) => ({ source: join(REPO_ROOT, e.source), outfile: e.outfile })),
    }),
    ensureClinicImage(docker, log),
  ]);
  return buildImageCached(docker, { repository: 'feedscale/app', contextDir, buildArgs: appBuildArgs(nodeBase, clinic.tag) }, log);
}

async function buildLocalImages(docker: Dockerode, log: Logger): Promise<Record<ServiceName, string>> {
  const base = await ensureDebianBase(docker, log);
  const args = { BASE: base.tag };
  const fromDir = (service: string) =>
    buildImageCached(docker, { repository: `feedscale/${service}`, contextDir: join(IMAGES_DIR, service), buildArgs: args }, log);
  const nodeContext = await prepareContext({
    name: 'node',
    dockerfileDir: join(IMAGES_DIR, 'node'),
    files: [{ from: process.execPath, to: 'node' }],
  });
  const [postgres, pgbouncer, redis, memcached, nginx, node] = await Promise.all([
    fromDir('postgres'),
    fromDir('pgbouncer'),
    fromDir('redis'),
    fromDir('memcached'),
    fromDir('nginx'),
    buildImageCached(docker, { repository: 'feedscale/node', contextDir: nodeContext, buildArgs: args }, log),
  ]);
  const objectstoreContext = await prepareContext({
    name: 'objectstore',
    dockerfileDir: join(IMAGES_DIR, 'objectstore'),
    entries: [{ source: join(IMAGES_DIR, 'objectstore', 's3rver-main.ts'), outfile: 's3rver-main.mjs' }],
  });
  const [objectstore, app] = await Promise.all([
    buildImageCached(docker, { repository: 'feedscale/objectstore', contextDir: objectstoreContext, buildArgs: { BASE: node.tag } }, log),
    buildAppImage(docker, node.tag, log),
  ]);
  return {
    postgres: postgres.tag,
    pgbouncer: pgbouncer.tag,
    redis: redis.tag,
    memcached: memcached.tag,
    nginx: nginx.tag,
    objectstore: objectstore.tag,
    app: app.tag,
  };
}

/**
 * Decides which catalog runs and makes its images present: `official` pulls the pinned
 * images, `local` builds them here from Debian packages (cached by inputs hash), `auto`
 * tries official and falls back to local. The app image is built in both cases.
 */
export async function resolveCatalog(docker: Dockerode, requested: ImageCatalogChoice, log: Logger): Promise<ResolvedCatalog> {
  if (requested !== 'local') {
    const failure = await pullOfficial(docker, log);
    if (failure === undefined) {
      const app = await buildAppImage(docker, OFFICIAL_IMAGES.node, log);
      const { node: _node, ...services } = OFFICIAL_IMAGES;
      const why = requested === 'official' ? 'requested' : 'official images available';
      const standins = await standinsAmong(docker, Object.values(OFFICIAL_IMAGES));
      if (standins.length > 0) log.warn({ images: standins }, 'these "official" images are feedscale stand-ins (containers/images/official-standins), not the real ones');
      return {
        requested,
        kind: 'official',
        reason: `${why}${OFFICIAL_REGISTRY ? ` (from ${OFFICIAL_REGISTRY})` : ''}${standins.length > 0 ? `; ${standins.length} are stand-ins built from the official images' Dockerfiles, not the images themselves` : ''}`,
        images: { ...services, app: app.tag },
        objectStore: OBJECT_STORE_FLAVOURS.official,
      };
    }
    if (requested === 'official') {
      throw new FeedscaleError('CTR_ERR_IMAGE_BUILD', `official catalog requested but ${failure}; use --catalog local or auto to build images here`);
    }
    log.warn(`official images unavailable (${failure}); using local images built from Debian packages`);
    return { requested, kind: 'local', reason: `official images not pullable: ${failure}`, images: await buildLocalImages(docker, log), objectStore: OBJECT_STORE_FLAVOURS.local };
  }
  return { requested, kind: 'local', reason: 'requested', images: await buildLocalImages(docker, log), objectStore: OBJECT_STORE_FLAVOURS.local };
}
