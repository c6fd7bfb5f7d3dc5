/**
 * The `backbone` command. Later issues add the workspace, user, entry and serve commands.
 */
import { Command } from 'commander';
import { APP_VERSION } from '../src-main/core/app-info.js';
import { serveCommand } from './commands/serve.js';

export function createProgram(): Command {
  return new Command()
    .name('backbone')
    .description('Backbone: end-to-end encrypted vault — command line')
    .version(APP_VERSION, '-V, --version', 'print the version')
    .showHelpAfterError()
    .addCommand(serveCommand());
}

await createProgram().parseAsync(process.argv);
