import { writeFileSync } from 'node:fs';
import { renderConfigurationReference } from './config-reference.ts';

const path = new URL('../docs/configuration.md', import.meta.url);
writeFileSync(path, renderConfigurationReference());
process.stdout.write(`wrote ${path.pathname}\n`);
