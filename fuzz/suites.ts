/** Every fuzz suite, in the order they run (`npm run fuzz`, fuzz.int.test.ts). */
import type { Suite } from './harness.js';
import { coreIpcSuite } from './core/ipc.js';
import { filesSuite } from './core/files.js';
import { httpSuite } from './server/http.js';
import { websocketSuite } from './server/websocket.js';

export const SUITES: Suite[] = [httpSuite, websocketSuite, coreIpcSuite, filesSuite];
