import type { AppConfig } from '../../system/app/app-config.ts';
import type { ProfileTool } from '../../lib/profile-schema.ts';
import type { ServiceSpec, SpecContext } from '../service-spec.ts';

export const APP_PORT = 8080;
/** The app image's working folder (containers/images/app/Dockerfile): the bundles and their source maps. */
export const APP_DIR = '/srv/feedscale';
/** The app instance that runs under clinic when the stack's `profile` is on; the others run as usual. */
export const PROFILED_APP_INDEX = 0;
/** Where the profiled instance's clinic writes its data and page (`<pid>.clinic-<tool>`, `<pid>.clinic-<tool>.html`). */
export const CLINIC_DEST = '/tmp/clinic';
/** The folder the profiled instance runs from: a copy of the app bundle and its source map. */
export const PROFILED_APP_DIR = '/tmp/feedscale';

const APP_COMMAND = ['node', '--enable-source-maps', 'server.mjs'] as const;

/**
 * The command of an instance under clinic: the usual node command, wrapped. clinic writes its
 * working files into the current folder (which the app's user, nobody, cannot write in APP_DIR)
 * and names the app after it, so the instance runs a copy of the bundle from PROFILED_APP_DIR;
 * `exec` keeps clinic the container's main process.
 */
export function clinicCommand(tool: ProfileTool): string[] {
  const copy = `mkdir -p ${PROFILED_APP_DIR} && cp ${APP_DIR}/server.mjs ${APP_DIR}/server.mjs.map ${PROFILED_APP_DIR}/`;
  return ['sh', '-c', `${copy} && cd ${PROFILED_APP_DIR} && exec clinic ${tool} --open=false --dest ${CLINIC_DEST} -- ${APP_COMMAND.join(' ')}`];
}

/**
 * One stateless Fastify app instance (alias `app-<index>`), configured by FEEDSCALE_APP_CONFIG.
 * With `profile`, it runs under that clinic tool (the caller passes it for PROFILED_APP_INDEX only).
 */
export function appService(ctx: SpecContext, index: number, config: AppConfig, cpus?: number, profile: ProfileTool | 'off' = 'off'): ServiceSpec {
  return {
    name: `app-${index}`,
    tier: 'app',
    image: ctx.catalog.images.app,
    environment: { FEEDSCALE_APP_CONFIG: JSON.stringify(config), NODE_ENV: 'production' },
    ...(profile === 'off' ? {} : { command: clinicCommand(profile) }),
    ports: [APP_PORT],
    cpus,
    startedWhen: { kind: 'http', path: '/health', port: APP_PORT },
  };
}

/** The profiling mode of app instance `index` under a stack's `profile` setting. */
export function profileOf(index: number, profile: ProfileTool | 'off'): ProfileTool | 'off' {
  return index === PROFILED_APP_INDEX ? profile : 'off';
}
