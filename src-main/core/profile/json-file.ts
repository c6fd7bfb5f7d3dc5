/**
 * A small versioned JSON file of the app core (settings, app state): read with a zod schema
 * (a missing file is the default value), written atomically with mode 0600. An unknown version
 * or a damaged file is refused with a message that says which file and what to do.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { BackboneError } from '../../../src-shared/errors.js';
import { writeFileAtomic } from '../../../src-shared/node/atomic-file.js';

export class JsonFile<T extends { v: number }> {
  #cache: T | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly schema: z.ZodType<T>,
    private readonly empty: () => T,
  ) {}

  async read(): Promise<T> {
    if (this.#cache) return structuredClone(this.#cache);
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return this.empty();
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw this.#damaged(cause);
    }
    const version = (value as { v?: unknown } | null)?.v;
    if (typeof version === 'number' && version !== this.empty().v) {
      throw new BackboneError(
        'UNSUPPORTED_VERSION',
        `${this.file} was written by a newer Backbone (version ${version}). Update Backbone.`,
      );
    }
    const parsed = this.schema.safeParse(value);
    if (!parsed.success) throw this.#damaged();
    this.#cache = parsed.data;
    return structuredClone(parsed.data);
  }

  /** Read-modify-write, one at a time. */
  update(change: (value: T) => T | void): Promise<T> {
    const run = this.#queue.then(async () => {
      const current = await this.read();
      const next = this.schema.parse(change(current) ?? current);
      await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
      this.#cache = next;
      return structuredClone(next);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #damaged(cause?: unknown): BackboneError {
    return new BackboneError(
      'INVALID_ARGUMENT',
      `The file ${this.file} is damaged. Remove it (its defaults will be used) or restore it from a backup.`,
      cause === undefined ? undefined : { cause },
    );
  }
}
