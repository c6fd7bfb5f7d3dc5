/**
 * The `backbone` command (docs/cli.md): identities, devices, login, tokens, workspaces, members,
 * password access, and `backbone serve`. Entries and namespaces: the encrypted store.
 */
import { Command } from 'commander';
import { APP_VERSION } from '../src-shared/app-info.js';
import { authenticateCommand, logoutCommand } from './commands/authenticate.js';
import { deviceCommand } from './commands/device.js';
import { entryCommand } from './commands/entry.js';
import { identityCommand, initCommand } from './commands/identity.js';
import { namespaceCommand } from './commands/namespace.js';
import { passwordCommand } from './commands/password.js';
import { serveCommand } from './commands/serve.js';
import { tokenCommand } from './commands/token.js';
import { userCommand } from './commands/user.js';
import { workspaceCommand } from './commands/workspace.js';
import { addGlobalOptions, runProgram } from './run.js';

export function createProgram(): Command {
  const program = new Command()
    .name('backbone')
    .description('Backbone: end-to-end encrypted vault — command line')
    .version(APP_VERSION, '-V, --version', 'print the version')
    .showHelpAfterError()
    .addCommand(serveCommand());
  addGlobalOptions(program)
    .addCommand(identityCommand())
    .addCommand(initCommand())
    .addCommand(workspaceCommand())
    .addCommand(authenticateCommand())
    .addCommand(logoutCommand())
    .addCommand(userCommand())
    .addCommand(tokenCommand())
    .addCommand(deviceCommand())
    .addCommand(passwordCommand())
    .addCommand(entryCommand())
    .addCommand(namespaceCommand());
  return program;
}

await runProgram(createProgram(), process.argv);
