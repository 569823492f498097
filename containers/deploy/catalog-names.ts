import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGES_DIR, REPO_ROOT, prepareContext } from '../images/bundle.ts';
import { debianBaseTag } from '../images/debian-base.ts';
import { hashBuildInputs } from '../images/image-build.ts';
import { OBJECT_STORE_FLAVOURS, OFFICIAL_IMAGES, type CatalogKind, type ResolvedCatalog, type ServiceName } from '../images/image-catalog.ts';
import { clinicImageTag } from '../images/clinic-tools.ts';
import { APP_ENTRIES, appBuildArgs } from '../images/resolve-catalog.ts';

/**
 * The tag `buildImageCached` gives a context: the repository and the first 16 hex of the
 * inputs hash. The context is prepared under a name of the same depth as the real build's
 * ("deploy-app" beside "app"), so the bundles' source maps, and with them the hash, match.
 */
async function tagOf(repository: string, context: { name: string; dockerfileDir: string; entries?: ReadonlyArray<{ source: string; outfile: string }>; files?: Array<{ from: string; to: string }> }, buildArgs: Record<string, string>): Promise<string> {
  const contextDir = await prepareContext(context);
  try {
    return `${repository}:${(await hashBuildInputs(contextDir, buildArgs)).slice(0, 16)}`;
  } finally {
    await rm(contextDir, { recursive: true, force: true });
  }
}

const appContext = { name: 'deploy-app', dockerfileDir: join(IMAGES_DIR, 'app'), entries: APP_ENTRIES.map((e) => ({ source: join(REPO_ROOT, e.source), outfile: e.outfile })) };

/**
 * The image names of a catalog without pulling or building anything: what `feedscale images
 * --catalog <kind>` makes present, so that a cluster given these manifests pulls the same
 * images the harness runs. The official catalog is the pinned registry tags plus our app
 * image (always built here: `feedscale/app:<inputs hash>`); the local catalog is every image's
 * inputs-hash tag, computed as resolve-catalog.ts builds them (the same contexts and build
 * arguments; bundles are made in BUILD_DIR/deploy-* and removed).
 */
export async function catalogNames(kind: CatalogKind, reason: string): Promise<ResolvedCatalog> {
  if (kind === 'official') {
    const { node, ...services } = OFFICIAL_IMAGES;
    const app = await tagOf('feedscale/app', appContext, appBuildArgs(node, await clinicImageTag()));
    return { requested: 'official', kind, reason, images: { ...services, app }, objectStore: OBJECT_STORE_FLAVOURS.official };
  }
  const base = { BASE: debianBaseTag() };
  const fromDir = async (service: string) => `feedscale/${service}:${(await hashBuildInputs(join(IMAGES_DIR, service), base)).slice(0, 16)}`;
  const [postgres, pgbouncer, redis, memcached, nginx, node] = await Promise.all([
    fromDir('postgres'),
    fromDir('pgbouncer'),
    fromDir('redis'),
    fromDir('memcached'),
    fromDir('nginx'),
    tagOf('feedscale/node', { name: 'deploy-node', dockerfileDir: join(IMAGES_DIR, 'node'), files: [{ from: process.execPath, to: 'node' }] }, base),
  ]);
  const [objectstore, app] = await Promise.all([
    tagOf(
      'feedscale/objectstore',
      { name: 'deploy-objectstore', dockerfileDir: join(IMAGES_DIR, 'objectstore'), entries: [{ source: join(IMAGES_DIR, 'objectstore', 's3rver-main.ts'), outfile: 's3rver-main.mjs' }] },
      { BASE: node },
    ),
    clinicImageTag().then((clinic) => tagOf('feedscale/app', appContext, appBuildArgs(node, clinic))),
  ]);
  const images: Record<ServiceName, string> = { postgres, pgbouncer, redis, memcached, nginx, objectstore, app };
  return { requested: 'local', kind, reason, images, objectStore: OBJECT_STORE_FLAVOURS.local };
}

/**
 * The catalog with our own images (feedscale/...) under a registry prefix, for a cluster that
 * pulls them from there after `docker tag` and `docker push`; registry images keep their names.
 */
export function withRegistry(catalog: ResolvedCatalog, registry: string | undefined): ResolvedCatalog {
  if (!registry) return catalog;
  const prefix = registry.replace(/\/+$/, '');
  const images = Object.fromEntries(Object.entries(catalog.images).map(([service, image]) => [service, image.startsWith('feedscale/') ? `${prefix}/${image}` : image])) as Record<
    ServiceName,
    string
  >;
  return { ...catalog, images };
}
