import { validateConfig } from '../../lib/validate.ts';
import { AppConfigSchema } from './app-config.ts';
import { buildApp } from './build-app.ts';

/**
 * Entry point of one app instance (bundled with esbuild into the container image, so: no pino
 * transports, no dynamic requires). Reads FEEDSCALE_APP_CONFIG (JSON), listens, and closes
 * every backend connection on SIGTERM/SIGINT.
 */
async function main(): Promise<void> {
  const raw = process.env.FEEDSCALE_APP_CONFIG;
  if (!raw) {
    process.stderr.write('FEEDSCALE_APP_CONFIG is not set (JSON of system/app/app-config.ts AppConfigSchema)\n');
    process.exit(2);
  }
  let config;
  try {
    config = validateConfig(AppConfigSchema, JSON.parse(raw), 'app config (FEEDSCALE_APP_CONFIG)');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const app = buildApp(config);
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const forced = setTimeout(() => {
      app.log.error('graceful shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    forced.unref();
    app.close().then(
      () => {
        app.log.info('closed');
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    app.log.fatal({ err }, 'could not listen');
    process.exit(1);
  }
}

void main();
