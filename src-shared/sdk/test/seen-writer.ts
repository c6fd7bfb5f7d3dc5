/**
 * A separate process that saves rollback memory into a profile (seen-file.test.ts): each round
 * saves only what this process noted itself (`/shared` at the round number, `/<label>/<round>`
 * at version 1), as a process that never read the file would. It prints "ready" and starts on
 * a line on stdin, so that the test can start two writers at the same moment.
 *
 *   node --import tsx seen-writer.ts <profile dir> <root secret hex> <server> <workspace> <label> <rounds>
 */
import {
  cryptoReady,
  deriveIdentity,
  fromHex,
  identityAddress,
  rootSecret,
} from '../../crypto/index.js';
import { SeenVersions } from '../../store/index.js';
import { Profile } from '../../node/profile.js';
import { deriveSeenKey, saveSeen } from '../seen-file.js';

const [dir, secretHex, serverId, workspaceId, label, rounds] = process.argv.slice(2);
await cryptoReady();
const secret = rootSecret(fromHex(secretHex!));
const identity = identityAddress(deriveIdentity(secret).signKeyPair.publicKey);
const key = deriveSeenKey(secret);
const store = new Profile(dir!).store();
const owner = { identity, serverId: serverId!, workspaceId: workspaceId! };
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
for (let round = 1; round <= Number(rounds); round++) {
  const seen = new SeenVersions();
  seen.noteEntry('/shared', 'shared-id', round);
  seen.noteEntry(`/${label}/${round}`, `${label}-${round}`, 1);
  await saveSeen(store, key, owner, seen);
}
process.stdin.destroy();
