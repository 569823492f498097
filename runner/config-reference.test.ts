import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigurationReference } from './config-reference.ts';

describe('docs/configuration.md', () => {
  it('matches the schemas it is generated from (run `npm run docs` after changing a schema)', () => {
    const committed = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderConfigurationReference());
  });
});
