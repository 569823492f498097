/**
 * Builds stand-ins for the official catalog's images and serves them from a local registry, so
 * that `--catalog official` (and a swarm or cluster that pulls from a registry) can be exercised
 * where no public registry is reachable. Each stand-in is built from Debian bookworm packages
 * by a Dockerfile in this folder that follows the official image's own Dockerfile and entrypoint
 * (cited in each) for what a caller relies on: entrypoint behaviour, environment variables,
 * users and ids, file paths, ports; MinIO, which Debian does not package, is MinIO's contract
 * on s3rver (minio/). Every stand-in carries the label feedscale.official-standin=true, and a
 * report made with them says so (resolve-catalog.ts).
 *
 * The registry is Debian's docker-registry (the CNCF distribution registry), installed if
 * missing and started on 127.0.0.1:5000 with its storage in the state folder. Images are pushed
 * under their Docker Hub names (`127.0.0.1:5000/postgres:15.10-bookworm`); FEEDSCALE_REGISTRY
 * =127.0.0.1:5000 makes the official catalog pull them from there. The engine's configuration
 * (registry mirrors) is not touched: 127.0.0.0/8 is an insecure registry to dockerd by default.
 *
 *   npx tsx containers/images/official-standins/build.ts              # build, start the registry, push
 *   FEEDSCALE_REGISTRY=127.0.0.1:5000 FEEDSCALE_CATALOG=official npx vitest run --project integration
 *   npx tsx containers/images/official-standins/build.ts --stop-registry
 *
 * Options: --registry HOST:PORT (default 127.0.0.1:5000), --no-push (build only),
 * --tag-official-names (also tag them under the bare official names in this engine; then
 * `--catalog official` finds them without a registry, and so does `auto`: remove them with
 * `docker rmi` before this machine ever reaches the real registry), --stop-registry.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import { createLogger } from '../../../lib/logger.ts';
import { ensureCommand } from '../../../lib/debian-packages.ts';
import { stateDir } from '../../docker/engine.ts';
import { IMAGES_DIR, prepareContext } from '../bundle.ts';
import { ensureDebianBase } from '../debian-base.ts';
import { buildImageCached } from '../image-build.ts';
import { OFFICIAL_IMAGE_NAMES, fromRegistry } from '../image-catalog.ts';

const STANDINS_DIR = join(IMAGES_DIR, 'official-standins');
export const DEFAULT_REGISTRY = '127.0.0.1:5000';
const log = createLogger(process.env.FEEDSCALE_LOG_LEVEL ?? 'info');

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${command} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

const registryDir = () => join(stateDir(), 'registry');
const pidFile = () => join(registryDir(), 'registry.pid');

async function registryAnswers(registry: string): Promise<boolean> {
  try {
    return (await fetch(`http://${registry}/v2/`)).status === 200;
  } catch {
    return false;
  }
}

/** Starts Debian's docker-registry on `registry` (loopback, no auth, storage in the state folder) unless one answers there. */
export async function ensureRegistry(registry: string): Promise<void> {
  if (await registryAnswers(registry)) return;
  ensureCommand('docker-registry', 'docker-registry', log, 'CTR_ERR_IMAGE_BUILD');
  mkdirSync(join(registryDir(), 'storage'), { recursive: true });
  const config = join(registryDir(), 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: warn }',
      `storage: { filesystem: { rootdirectory: ${join(registryDir(), 'storage')} }, delete: { enabled: true } }`,
      `http: { addr: "${registry}" }`,
      '',
    ].join('\n'),
  );
  const out = openSync(join(registryDir(), 'registry.log'), 'a');
  const child = spawn('docker-registry', ['serve', config], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(pidFile(), String(child.pid));
  for (let i = 0; i < 50 && !(await registryAnswers(registry)); i++) await new Promise((r) => setTimeout(r, 200));
  if (!(await registryAnswers(registry))) throw new Error(`docker-registry did not answer on ${registry}; see ${join(registryDir(), 'registry.log')}`);
  log.info({ registry, pid: child.pid }, `started docker-registry on ${registry} (stop it with --stop-registry)`);
}

export function stopRegistry(): void {
  if (!existsSync(pidFile())) return;
  const pid = Number(readFileSync(pidFile(), 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
    log.info({ pid }, 'stopped docker-registry');
  } catch {
    // already gone
  }
  rmSync(pidFile(), { force: true });
}

type StandIn = keyof typeof OFFICIAL_IMAGE_NAMES;

/** Builds every stand-in (cached by the hash of its inputs); returns the image id-tag of each. */
export async function buildStandins(docker: Dockerode): Promise<Record<StandIn, string>> {
  const base = await ensureDebianBase(docker, log);
  const onBase = (service: string) =>
    buildImageCached(docker, { repository: `feedscale/standin-${service}`, contextDir: join(STANDINS_DIR, service), buildArgs: { BASE: base.tag } }, log);
  const nodeContext = await prepareContext({ name: 'standin-node', dockerfileDir: join(STANDINS_DIR, 'node'), files: [{ from: process.execPath, to: 'node' }, { from: join(STANDINS_DIR, 'node', 'docker-entrypoint.sh'), to: 'docker-entrypoint.sh' }] });
  const [postgres, pgbouncer, redis, memcached, nginx, node] = await Promise.all([
    onBase('postgres'),
    onBase('pgbouncer'),
    onBase('redis'),
    onBase('memcached'),
    onBase('nginx'),
    buildImageCached(docker, { repository: 'feedscale/standin-node', contextDir: nodeContext, buildArgs: { BASE: base.tag } }, log),
  ]);
  const minioContext = await prepareContext({
    name: 'standin-minio',
    dockerfileDir: join(STANDINS_DIR, 'minio'),
    entries: [{ source: join(STANDINS_DIR, 'minio', 'minio-standin-main.ts'), outfile: 'minio-standin-main.mjs' }],
    files: ['minio', 'docker-entrypoint.sh'].map((f) => ({ from: join(STANDINS_DIR, 'minio', f), to: f })),
  });
  const objectstore = await buildImageCached(docker, { repository: 'feedscale/standin-minio', contextDir: minioContext, buildArgs: { BASE: node.tag } }, log);
  return { postgres: postgres.tag, pgbouncer: pgbouncer.tag, redis: redis.tag, memcached: memcached.tag, nginx: nginx.tag, objectstore: objectstore.tag, node: node.tag };
}

async function main(argv: readonly string[]): Promise<void> {
  const option = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const registry = option('--registry') ?? DEFAULT_REGISTRY;
  if (argv.includes('--stop-registry')) return stopRegistry();
  const docker = new Dockerode();
  const built = await buildStandins(docker);
  const push = !argv.includes('--no-push');
  if (push) await ensureRegistry(registry);
  for (const [service, tag] of Object.entries(built) as [StandIn, string][]) {
    const official = OFFICIAL_IMAGE_NAMES[service];
    if (argv.includes('--tag-official-names')) await run('docker', ['tag', tag, official]);
    if (!push) continue;
    const target = fromRegistry(official, registry);
    await run('docker', ['tag', tag, target]);
    await run('docker', ['push', target]);
    // Only the registry holds it under that name: `--catalog official` pulls it from there.
    await run('docker', ['rmi', target]);
    log.info({ image: target, from: tag }, `pushed ${target}`);
  }
  process.stdout.write(`${JSON.stringify({ registry: push ? registry : undefined, images: built }, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
