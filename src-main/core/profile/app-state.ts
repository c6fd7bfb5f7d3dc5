/**
 * What the app core remembers besides the profile (`profile/`, the CLI's format) and the
 * settings: onboarding progress, the server choice, a pending join, where password access is
 * registered, a verification failure not yet acknowledged, and Argon2id timings (for progress
 * estimates). No secrets.
 */
import path from 'node:path';
import { z } from 'zod';
import { JsonFile } from './json-file.js';

export const APP_STATE_VERSION = 1;

const AppStateSchema = z.strictObject({
  v: z.literal(APP_STATE_VERSION),
  kitConfirmed: z.boolean(),
  serverMode: z.enum(['embedded', 'remote']).nullable(),
  embedded: z
    .strictObject({ port: z.number().int().min(0).max(65535), serverId: z.string() })
    .nullable(),
  join: z
    .strictObject({
      username: z.string(),
      workspaceId: z.string().nullable(),
      expectFingerprint: z.string().nullable(),
      since: z.string(),
    })
    .nullable(),
  /** Display name of the current workspace (the profile keeps only its id). */
  workspaceDisplayName: z.string().nullable(),
  passwordAccess: z.array(
    z.strictObject({ serverId: z.string(), workspace: z.string(), username: z.string() }),
  ),
  verificationFailure: z
    .strictObject({ code: z.string(), message: z.string(), at: z.string() })
    .nullable(),
  /** Milliseconds one Argon2id run took, by "opslimit:memlimit". */
  kdfTimings: z.record(z.string(), z.number()),
});
export type AppState = z.infer<typeof AppStateSchema>;

export function emptyAppState(): AppState {
  return {
    v: APP_STATE_VERSION,
    kitConfirmed: false,
    serverMode: null,
    embedded: null,
    join: null,
    workspaceDisplayName: null,
    passwordAccess: [],
    verificationFailure: null,
    kdfTimings: {},
  };
}

export function appStateFile(dataDir: string): JsonFile<AppState> {
  return new JsonFile(path.join(dataDir, 'app-state.json'), AppStateSchema, emptyAppState);
}
