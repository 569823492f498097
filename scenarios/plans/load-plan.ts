import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeedscaleError } from '../../lib/errors.ts';
import { validatePlan, type Plan } from './plan-schema.ts';

/** Folder of the bundled plans (feed-read, like-storm, mixed, ramp). */
export const PLANS_DIR = dirname(fileURLToPath(import.meta.url));

/** A bare name ("feed-read") means a bundled plan; anything with a slash or ".json" is a path. */
export function resolvePlanPath(pathOrName: string): string {
  const isName = /^[a-z0-9][a-z0-9-]*$/.test(pathOrName);
  return isName ? resolve(PLANS_DIR, `${pathOrName}.json`) : resolve(pathOrName);
}

/**
 * Reads, validates and freezes a plan. Throws CFG_ERR_FILE when the file cannot be read or is not
 * JSON, CFG_ERR_INVALID (every issue with its field path) when it breaks the schema.
 *
 * @example
 * const plan = await loadPlan('feed-read');
 * const custom = await loadPlan('./my-plans/burst.json');
 */
export async function loadPlan(pathOrName: string): Promise<Readonly<Plan>> {
  const path = resolvePlanPath(pathOrName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new FeedscaleError('CFG_ERR_FILE', `cannot read plan ${pathOrName} (${path}): ${reason}`, { cause });
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (cause) {
    throw new FeedscaleError('CFG_ERR_FILE', `plan ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return validatePlan(input, `plan ${path}`);
}
