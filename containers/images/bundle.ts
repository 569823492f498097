import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const IMAGES_DIR = join(REPO_ROOT, 'containers', 'images');
export const BUILD_DIR = join(REPO_ROOT, '.feedscale', 'build');

// ESM bundles of CommonJS packages still call require(); give them one.
const REQUIRE_BANNER = "import { createRequire as __feedscaleCreateRequire } from 'node:module'; const require = __feedscaleCreateRequire(import.meta.url);";

/**
 * Prepares a Docker build context: the service's Dockerfile plus, optionally, esbuild
 * bundles of entry points (so the image needs no node_modules) and extra files.
 */
export async function prepareContext(options: {
  name: string;
  dockerfileDir: string;
  entries?: ReadonlyArray<{ source: string; outfile: string }>;
  files?: Array<{ from: string; to: string }>;
}): Promise<string> {
  const contextDir = join(BUILD_DIR, options.name);
  await rm(contextDir, { recursive: true, force: true });
  await mkdir(contextDir, { recursive: true });
  await copyFile(join(options.dockerfileDir, 'Dockerfile'), join(contextDir, 'Dockerfile'));
  for (const entry of options.entries ?? []) {
    await build({
      entryPoints: [entry.source],
      outfile: join(contextDir, 'bundle', entry.outfile),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      banner: { js: REQUIRE_BANNER },
      // Optional native accelerators; the pure-JS paths are used without them.
      external: ['pg-native', 'msgpackr-extract', 'cpu-features', 'ssh2'],
      sourcemap: 'linked',
      logLevel: 'error',
      legalComments: 'none',
    });
  }
  for (const file of options.files ?? []) {
    await mkdir(dirname(join(contextDir, file.to)), { recursive: true });
    await copyFile(file.from, join(contextDir, file.to));
  }
  return contextDir;
}
