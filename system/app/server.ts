import { buildApp } from './build-app.ts';
import { appConfigFromEnv } from './config-from-env.ts';

/**
 * Entry point of one app instance (bundled with esbuild into the container image, so: no pino
 * transports, no dynamic requires). Reads FEEDSCALE_APP_CONFIG (JSON), listens, and closes
 * every backend connection on SIGTERM/SIGINT.
 */
async function main(): Promise<void> {
  const config = appConfigFromEnv('app config');
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
