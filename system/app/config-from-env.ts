import { type AppConfig, loadAppConfig } from './app-config.ts';

/**
 * The process's AppConfig from FEEDSCALE_APP_CONFIG (JSON), validated and frozen. A missing or
 * invalid config is a bad start: it says what is wrong on stderr and exits 2 (docs/errors.md).
 */
export function appConfigFromEnv(what: string): Readonly<AppConfig> {
  const raw = process.env.FEEDSCALE_APP_CONFIG;
  if (!raw) {
    process.stderr.write('FEEDSCALE_APP_CONFIG is not set (JSON of system/app/app-config.ts AppConfigSchema)\n');
    process.exit(2);
  }
  try {
    return loadAppConfig(JSON.parse(raw), `${what} (FEEDSCALE_APP_CONFIG)`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
}
