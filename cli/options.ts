import { readFile } from 'node:fs/promises';
import { FeedscaleError } from '../lib/errors.ts';

/** Reads a JSON config file; a missing or malformed file is a CFG_ERR_FILE naming the file. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new FeedscaleError('CFG_ERR_FILE', `cannot read ${what} ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FeedscaleError('CFG_ERR_FILE', `${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}
