/**
 * Crypto core benchmark: every Backbone primitive beside a native Node baseline measured in the
 * same run.
 *
 *   bulk streams     64 MiB in 1 MiB chunks, encrypt and decrypt, all stream engines
 *                    baseline: raw node:crypto chacha20-poly1305, one shot per 1 MiB chunk
 *   sealed box       ops/s, 32-byte message (the size of a wrapped key)
 *                    baseline: node X25519 keygen + ECDH + BLAKE2b KDF + chacha20-poly1305
 *   Ed25519          sign / verify ops/s, 256-byte message; baseline node crypto.sign(null, …)
 *   Argon2id         the floor (opslimit 3, 256 MiB)
 *                    baseline: node scrypt N=2^17 r=8 p=1 (128 MiB; Node 20 has no Argon2)
 *   SPAKE2+EE        login (steps 0–4) beside one Argon2id, registration + login beside two
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  scryptSync,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import {
  fromSamples,
  measureInterleaved,
  scaled,
  type Measurement,
  type Report,
} from './harness.js';
import {
  generateBoxKeyPair,
  openSealed,
  sealTo,
  concatBytes,
  fromHex,
  utf8,
  PWHASH_FLOORS,
  deriveKeyFromPassword,
  randomBytes,
  generateSignKeyPair,
  signDetached,
  verifyDetached,
  cryptoReady,
  sodium,
  chacha20Poly1305Engine,
  decryptStream,
  encryptStream,
  secretstreamEngine,
  type StreamEngine,
  type SymmetricKey,
} from '../src-shared/crypto/index.js';
import { nativeChaCha20Poly1305Engine } from '../src-shared/node/stream-node.js';

const MiB = 1024 * 1024;
const STREAM_TOTAL = 64 * MiB;
const CHUNK = MiB;

async function* chunksOf(data: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < data.length; offset += size)
    yield data.subarray(offset, offset + size);
}

async function* fromParts(parts: readonly Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* parts;
}

async function drainCount(source: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const part of source) n += part.length;
  return n;
}

async function benchStreams(report: Report): Promise<void> {
  report.section(`Bulk streams (${STREAM_TOTAL / MiB} MiB in ${CHUNK / MiB} MiB chunks)`);
  const key = randomBytes(32) as SymmetricKey;
  const ad = utf8('backbone/bench/v1');
  const data = randomBytes(STREAM_TOTAL);

  // Baseline: the bare primitive on the same data and chunking (one createCipheriv per 1 MiB
  // chunk, no framing, no per-chunk AAD/nonce construction, no async iteration). Outputs are
  // dropped as they come, as a stream consumer writing to a file does.
  const chunkCount = STREAM_TOTAL / CHUNK;
  const rawChunks: { nonce: Uint8Array; body: Uint8Array; tag: Uint8Array }[] = [];
  const rawEncrypt = (keep: boolean) => {
    for (let i = 0; i < chunkCount; i++) {
      const nonce = new Uint8Array(12);
      nonce[0] = i;
      const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
      const body = c.update(data.subarray(i * CHUNK, (i + 1) * CHUNK));
      c.final();
      const tag = c.getAuthTag();
      if (keep) rawChunks.push({ nonce, body, tag });
    }
  };
  const rawDecrypt = () => {
    for (const { nonce, body, tag } of rawChunks) {
      const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
      d.setAuthTag(tag);
      d.update(body);
      d.final();
    }
  };
  rawEncrypt(true);

  const engines: StreamEngine[] = [
    secretstreamEngine,
    chacha20Poly1305Engine,
    nativeChaCha20Poly1305Engine,
  ];
  const encrypted = new Map<StreamEngine, Uint8Array[]>();
  for (const engine of engines) {
    const parts: Uint8Array[] = [];
    for await (const part of encryptStream(key, chunksOf(data, CHUNK), {
      associatedData: ad,
      engine,
    })) {
      parts.push(part);
    }
    encrypted.set(engine, parts);
  }
  // Subject and baseline samples alternate, so a busy machine slows them alike.
  const options = { bytesPerOp: STREAM_TOTAL, warmup: 1, minIterations: 7, minTimeMs: 4000 };
  const [rawEnc, ...enc] = await measureInterleaved(
    [
      { name: 'node chacha20-poly1305 raw', fn: () => rawEncrypt(false) },
      ...engines.map((engine) => ({
        name: engine.name,
        fn: async () => {
          const n = await drainCount(
            encryptStream(key, chunksOf(data, CHUNK), { associatedData: ad, engine }),
          );
          if (n < STREAM_TOTAL) throw new Error('short stream');
        },
      })),
    ],
    options,
  );
  const [rawDec, ...dec] = await measureInterleaved(
    [
      { name: 'node chacha20-poly1305 raw', fn: rawDecrypt },
      ...engines.map((engine) => ({
        name: engine.name,
        fn: async () => {
          const n = await drainCount(
            decryptStream(key, fromParts(encrypted.get(engine)!), {
              associatedData: ad,
              engines: [engine],
            }),
          );
          if (n !== STREAM_TOTAL) throw new Error('stream did not round-trip');
        },
      })),
    ],
    options,
  );
  rawChunks.length = 0;
  encrypted.clear();
  const results = new Map<StreamEngine, { enc: Measurement; dec: Measurement }>();
  engines.forEach((engine, i) => {
    results.set(engine, { enc: enc[i]!, dec: dec[i]! });
    report.compare(`encrypt, suite ${engine.suite} ${engine.name}`, enc[i]!, rawEnc!, 'MiB/s');
  });
  engines.forEach((engine, i) => {
    report.compare(`decrypt, suite ${engine.suite} ${engine.name}`, dec[i]!, rawDec!, 'MiB/s');
  });
  const ss = results.get(secretstreamEngine)!;
  const native = results.get(nativeChaCha20Poly1305Engine)!;
  report.compare(
    'secretstream vs native suite 2, encrypt',
    ss.enc,
    native.enc,
    'MiB/s',
    'native suite 2',
  );
  report.compare(
    'secretstream vs native suite 2, decrypt',
    ss.dec,
    native.dec,
    'MiB/s',
    'native suite 2',
  );
}

// DER prefixes to load raw 32-byte keys into node:crypto KeyObjects.
const X25519_SPKI = fromHex('302a300506032b656e032100');
const ED25519_PKCS8 = fromHex('302e020100300506032b657004220420');
const ED25519_SPKI = fromHex('302a300506032b6570032100');

function x25519Public(raw: Uint8Array): KeyObject {
  return createPublicKey({
    key: Buffer.from(concatBytes(X25519_SPKI, raw)),
    format: 'der',
    type: 'spki',
  });
}

function rawX25519(key: KeyObject): Uint8Array {
  return key.export({ format: 'der', type: 'spki' }).subarray(-32);
}

/** Run `fn` n times: one timed call is a batch, so timer overhead does not count. */
function times(n: number, fn: () => unknown): () => void {
  return () => {
    for (let i = 0; i < n; i++) fn();
  };
}

async function benchSealedBox(report: Report): Promise<void> {
  report.section('Sealed box (32-byte message)');
  const message = randomBytes(32);
  const recipient = generateBoxKeyPair();
  const sealed = sealTo(recipient.publicKey, message);

  // Baseline: the same job with native primitives (ephemeral X25519 ECDH + BLAKE2b KDF +
  // chacha20-poly1305), i.e. an ECIES of the same shape as crypto_box_seal.
  const nodeRecipient = generateKeyPairSync('x25519');
  const recipientRaw = rawX25519(nodeRecipient.publicKey);
  const kdf = (shared: Uint8Array, ephRaw: Uint8Array): Uint8Array =>
    createHash('blake2b512')
      .update(shared)
      .update(ephRaw)
      .update(recipientRaw)
      .digest()
      .subarray(0, 32);
  const nodeSeal = (): Uint8Array => {
    const eph = generateKeyPairSync('x25519');
    const ephRaw = rawX25519(eph.publicKey);
    const shared = diffieHellman({
      privateKey: eph.privateKey,
      publicKey: nodeRecipient.publicKey,
    });
    const c = createCipheriv('chacha20-poly1305', kdf(shared, ephRaw), Buffer.alloc(12), {
      authTagLength: 16,
    });
    const body = c.update(message);
    c.final();
    return concatBytes(ephRaw, body, c.getAuthTag());
  };
  const nodeSealed = nodeSeal();
  const nodeOpen = (): Uint8Array => {
    const ephRaw = nodeSealed.subarray(0, 32);
    const shared = diffieHellman({
      privateKey: nodeRecipient.privateKey,
      publicKey: x25519Public(ephRaw),
    });
    const d = createDecipheriv('chacha20-poly1305', kdf(shared, ephRaw), Buffer.alloc(12), {
      authTagLength: 16,
    });
    d.setAuthTag(nodeSealed.subarray(-16));
    const out = d.update(nodeSealed.subarray(32, -16));
    d.final();
    return out;
  };
  const opts = { opsPerCall: 50, minTimeMs: 2000, warmup: 1, minIterations: 5 };
  const [seal, baseSeal] = await measureInterleaved(
    [
      { name: 'sealTo', fn: times(50, () => sealTo(recipient.publicKey, message)) },
      { name: 'node X25519+chacha20-poly1305', fn: times(50, nodeSeal) },
    ],
    opts,
  );
  const [open, baseOpen] = await measureInterleaved(
    [
      { name: 'openSealed', fn: times(50, () => openSealed(recipient, sealed)) },
      { name: 'node X25519+chacha20-poly1305', fn: times(50, nodeOpen) },
    ],
    opts,
  );
  report.compare('seal (crypto_box_seal)', seal!, baseSeal!, 'ops/s');
  report.compare('open (crypto_box_seal_open)', open!, baseOpen!, 'ops/s');
}

async function benchSignatures(report: Report): Promise<void> {
  report.section('Ed25519 (256-byte message)');
  const message = randomBytes(256);
  const pair = generateSignKeyPair();
  const signature = signDetached(message, pair.secretKey);

  const seed = sodium().crypto_sign_ed25519_sk_to_seed(pair.secretKey);
  const priv = createPrivateKey({
    key: Buffer.from(concatBytes(ED25519_PKCS8, seed)),
    format: 'der',
    type: 'pkcs8',
  });
  const pub = createPublicKey({
    key: Buffer.from(concatBytes(ED25519_SPKI, pair.publicKey)),
    format: 'der',
    type: 'spki',
  });
  const nodeSignature = nodeSign(null, message, priv);
  // Same key, same deterministic signature: the baseline does exactly the same job.
  if (!Buffer.from(signature).equals(nodeSignature)) throw new Error('Ed25519 signatures differ');

  const opts = { opsPerCall: 100, minTimeMs: 2000, warmup: 1, minIterations: 5 };
  const [sign, baseSign] = await measureInterleaved(
    [
      { name: 'signDetached', fn: times(100, () => signDetached(message, pair.secretKey)) },
      { name: 'node crypto.sign ed25519', fn: times(100, () => nodeSign(null, message, priv)) },
    ],
    opts,
  );
  const [verify, baseVerify] = await measureInterleaved(
    [
      {
        name: 'verifyDetached',
        fn: times(100, () => {
          if (!verifyDetached(signature, message, pair.publicKey)) throw new Error('bad');
        }),
      },
      {
        name: 'node crypto.verify ed25519',
        fn: times(100, () => {
          if (!nodeVerify(null, message, pub, nodeSignature)) throw new Error('bad');
        }),
      },
    ],
    opts,
  );
  report.compare('sign', sign!, baseSign!, 'ops/s');
  report.compare('verify', verify!, baseVerify!, 'ops/s');
}

interface SpakeApi {
  serverStore(password: string, opslimit: number, memlimit: number): Uint8Array;
  serverStep0(stored: Uint8Array): { state: unknown; publicData: Uint8Array };
  clientStep1(publicData: Uint8Array, password: string): { state: unknown; response1: Uint8Array };
  serverStep2(
    state: unknown,
    clientId: string,
    serverId: string,
    stored: Uint8Array,
    response1: Uint8Array,
  ): { state: unknown; response2: Uint8Array };
  clientStep3(
    state: unknown,
    clientId: string,
    serverId: string,
    response2: Uint8Array,
  ): { response3: Uint8Array; sharedKeys: { clientSk: Uint8Array; serverSk: Uint8Array } };
  serverStep4(
    state: unknown,
    response3: Uint8Array,
  ): { clientSk: Uint8Array; serverSk: Uint8Array };
}

async function loadSpake(): Promise<SpakeApi | undefined> {
  try {
    const mod = (await import('../src-shared/crypto/spake2ee.js')) as unknown as Partial<SpakeApi>;
    const names: (keyof SpakeApi)[] = [
      'serverStore',
      'serverStep0',
      'clientStep1',
      'serverStep2',
      'clientStep3',
      'serverStep4',
    ];
    return names.every((n) => typeof mod[n] === 'function') ? (mod as SpakeApi) : undefined;
  } catch {
    return undefined;
  }
}

async function benchPasswords(report: Report): Promise<void> {
  const floor = PWHASH_FLOORS.passwordAccess;
  report.section(
    `Password hashing and SPAKE2+EE (Argon2id opslimit ${floor.opslimit}, ${floor.memlimit / MiB} MiB)`,
  );
  const salt = randomBytes(16);
  const [argon, scrypt] = await measureInterleaved(
    [
      {
        name: 'Argon2id floor',
        fn: () => deriveKeyFromPassword('correct horse battery staple', salt, floor),
      },
      {
        name: 'node scrypt N=2^17 r=8 p=1',
        fn: () =>
          scryptSync('correct horse battery staple', salt, 32, {
            N: 1 << 17,
            r: 8,
            p: 1,
            maxmem: 256 * MiB,
          }),
      },
    ],
    { warmup: 1, minIterations: 3 },
  );
  report.compare(
    'Argon2id (t=3, 256 MiB, 1 lane, libsodium wasm)',
    argon!,
    scrypt!,
    'ms',
    scrypt!.name,
    'crypto.argon2id_floor_ms',
  );

  const spake = await loadSpake();
  if (spake === undefined) {
    report.note('SPAKE2+EE: not available');
    return;
  }
  const store: number[] = [];
  const login: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const stored = spake.serverStore(
        'correct horse battery staple',
        floor.opslimit,
        floor.memlimit,
      );
      const t1 = performance.now();
      const s0 = spake.serverStep0(stored);
      const c1 = spake.clientStep1(s0.publicData, 'correct horse battery staple');
      const s2 = spake.serverStep2(s0.state, 'alice', 'server.example', stored, c1.response1);
      const c3 = spake.clientStep3(c1.state, 'alice', 'server.example', s2.response2);
      const keys = spake.serverStep4(s2.state, c3.response3);
      const t2 = performance.now();
      if (!sodium().memcmp(keys.clientSk, c3.sharedKeys.clientSk)) throw new Error('keys differ');
      store.push(t1 - t0);
      login.push(t2 - t1);
    }
  } catch (error) {
    report.note(
      `SPAKE2+EE: not available (${error instanceof Error ? error.message : String(error)})`,
    );
    return;
  }
  const loginM = fromSamples('SPAKE2+EE login', login);
  const fullM = fromSamples(
    'SPAKE2+EE register+login',
    store.map((s, i) => s + login[i]!),
  );
  report.compare('SPAKE2+EE login handshake (steps 0–4)', loginM, argon!, 'ms', 'Argon2id ×1');
  report.compare('SPAKE2+EE registration + login', fullM, scaled(argon!, 2, 'Argon2id ×2'), 'ms');
}

export async function run(report: Report): Promise<void> {
  await cryptoReady();
  await benchStreams(report);
  await benchSealedBox(report);
  await benchSignatures(report);
  await benchPasswords(report);
}
