/**
 * Program-wide settings for the `backbone` command: global options and exit codes for usage
 * errors (commander's own errors exit with 2, help and version with 0).
 */
import { CommanderError, Option, type Command } from 'commander';
import { EXIT } from './context.js';

/**
 * Adds `--server`, `--home`, `--json` and `--insecure-http` to the program (usable before or
 * after a command).
 */
export function addGlobalOptions(program: Command): Command {
  return program
    .addOption(new Option('--server <url>', 'Backbone server URL (env BACKBONE_SERVER)'))
    .addOption(
      new Option('--home <dir>', 'profile directory (env BACKBONE_HOME, default ~/.backbone)'),
    )
    .addOption(new Option('--json', 'machine-readable output (JSON on stdout, errors on stderr)'))
    .addOption(
      new Option(
        '--insecure-http',
        'allow a server over plain http:// on another machine (no TLS: only on a network you trust)',
      ),
    );
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const sub of command.commands) forEachCommand(sub, visit);
}

/** Parses argv and runs the command; returns nothing, sets `process.exitCode`. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<void> {
  forEachCommand(program, (command) => {
    command.exitOverride().showHelpAfterError();
  });
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return;
    }
    throw error;
  }
}
