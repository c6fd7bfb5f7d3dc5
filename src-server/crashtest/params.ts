/** Settings shared by the crash test's server child and its clients. */

/** SPAKE2+EE parameters of the crash-test server (the injected-random floor: 2 / 64 MiB). */
export const CRASH_PASSWORD_ACCESS_PARAMS = { opslimit: 2, memlimit: 64 * 1024 * 1024 };

/** Keyfile Argon2id parameters of the client-file writer (below the floors: tests only). */
export const CRASH_KEYFILE_PARAMS = { opslimit: 1, memlimit: 8 * 1024 * 1024 };
