/**
 * Where the end-to-end tests save their screenshots. A test run writes them to an ignored folder
 * (`test-results/screenshots`), so `npm test` never modifies tracked files; `npm run screenshots`
 * sets `BACKBONE_SCREENSHOTS_DIR=docs/screenshots` to refresh the pictures the docs show.
 */
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

export const SCREENSHOTS_DIR = path.resolve(
  root,
  process.env.BACKBONE_SCREENSHOTS_DIR ?? path.join('test-results', 'screenshots'),
);

/** The path of one screenshot by file name (`vault.png`). */
export function shot(name: string): string {
  return path.join(SCREENSHOTS_DIR, name);
}
