/**
 * Terminal prompts on stderr (stdout stays clean for output and `--json`): a hidden passphrase
 * prompt (no echo, raw mode) and a yes/no confirmation. Both need an interactive terminal; the
 * callers fall back to environment variables / `--yes` and refuse clearly otherwise.
 */
import { createInterface } from 'node:readline';

export class PromptUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptUnavailable';
  }
}

export function isInteractive(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/** Reads a line without echoing it. Ctrl-C exits with 130. */
export function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  if (!isInteractive() || typeof input.setRawMode !== 'function') {
    return Promise.reject(new PromptUnavailable('no terminal to ask on'));
  }
  process.stderr.write(question);
  return new Promise((resolve) => {
    let value = '';
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const finish = (): void => {
      input.removeListener('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          finish();
          process.exit(130);
        }
        if (char === '\u007f' || char === '\b') {
          value = [...value].slice(0, -1).join('');
        } else if (char >= ' ') {
          value += char;
        }
      }
    };
    input.on('data', onData);
  });
}

/** Asks a yes/no question; true only for "y" or "yes". */
export async function confirm(question: string): Promise<boolean> {
  if (!isInteractive()) throw new PromptUnavailable('no terminal to ask on');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    const answer = await new Promise<string>((resolve) =>
      rl.question(`${question} [y/N] `, resolve),
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
