import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { fromUtf8, toHex, utf8 } from './encoding.js';
import { generateSignKeyPair } from './sign.js';
import { cryptoReady } from './sodium.js';
import {
  canonicalJson,
  signStatement,
  statementSigningBytes,
  verifyStatement,
  type JsonValue,
} from './statement.js';

function expectCode(fn: () => unknown, code: ErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isBackboneError(thrown, code), `expected ${code}, got ${String(thrown)}`).toBe(true);
}

await cryptoReady();

describe('canonical JSON (RFC 8785)', () => {
  it('reproduces the RFC 8785 §3.2.2 example', () => {
    const input = JSON.parse(String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`) as JsonValue;
    expect(canonicalJson(input)).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it('sorts keys by UTF-16 code units at every level', () => {
    expect(
      canonicalJson({
        b: 1,
        a: { d: [3, { z: 1, y: 2 }], c: 'x' },
        '\u20ac': 0,
        '\ud83d\ude00': 1,
      }),
    ).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1,"\u20ac":0,"\ud83d\ude00":1}');
  });
});

describe('signing bytes', () => {
  it('are "backbone/<kind>/v<N>\\n" followed by the canonical body', () => {
    const bytes = statementSigningBytes('device.cert', 1, { b: 1, a: 'x' });
    expect(fromUtf8(bytes)).toBe('backbone/device.cert/v1\n{"a":"x","b":1}');
  });

  it('refuse bad kinds and versions', () => {
    for (const kind of ['', 'A', '1a', 'a b', 'a/b', 'a\n', 'é', 'a'.repeat(65)]) {
      expectCode(() => statementSigningBytes(kind, 1, {}), 'STATEMENT_INVALID');
    }
    for (const v of [0, -1, 1.5, Number.NaN]) {
      expectCode(() => statementSigningBytes('k', v, {}), 'STATEMENT_INVALID');
    }
  });

  it('refuse anything that is not plain JSON', () => {
    class Thing {
      a = 1;
    }
    const sparse: unknown[] = [];
    sparse[1] = 1;
    const bad: unknown[] = [
      undefined,
      { a: undefined },
      [undefined],
      Number.NaN,
      Number.POSITIVE_INFINITY,
      { n: Number.NEGATIVE_INFINITY },
      new Date(0),
      () => 1,
      1n,
      Symbol('s'),
      sparse,
      'lone \ud800 surrogate',
      { ['\udc00']: 1 },
      new Thing(),
      { [Symbol('k')]: 1 },
      new Map(),
    ];
    for (const body of bad) {
      expectCode(() => statementSigningBytes('k', 1, body), 'STATEMENT_INVALID');
    }
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    expectCode(() => statementSigningBytes('k', 1, deep), 'STATEMENT_INVALID');
  });
});

describe('signStatement / verifyStatement', () => {
  const kp = generateSignKeyPair();
  const other = generateSignKeyPair();

  it('round-trips through JSON text', () => {
    const st = signStatement('grant', 2, { to: 'bob', bits: ['READ'] }, kp);
    expect(st.kind).toBe('grant');
    expect(st.v).toBe(2);
    expect(st.sig).toMatch(/^[A-Za-z0-9_-]{86}$/);
    const wire: unknown = JSON.parse(JSON.stringify(st));
    expect(verifyStatement(wire, 'grant', 2, kp.publicKey)).toEqual({ to: 'bob', bits: ['READ'] });
  });

  it('keeps the body as signed even if the caller mutates its object', () => {
    const body = { n: 1 };
    const st = signStatement('k', 1, body, kp);
    body.n = 2;
    expect(verifyStatement(st, 'k', 1, kp.publicKey)).toEqual({ n: 1 });
  });

  it('a statement of one kind never verifies as another', () => {
    const st = signStatement('user.add', 1, { name: 'a' }, kp);
    expectCode(() => verifyStatement(st, 'user.remove', 1, kp.publicKey), 'STATEMENT_INVALID');
    // relabelling the kind breaks the signature: the kind is part of the signed bytes
    expectCode(
      () => verifyStatement({ ...st, kind: 'user.remove' }, 'user.remove', 1, kp.publicKey),
      'CRYPTO_BAD_SIGNATURE',
    );
  });

  it('checks the version', () => {
    const st = signStatement('k', 1, {}, kp);
    expectCode(() => verifyStatement(st, 'k', 2, kp.publicKey), 'UNSUPPORTED_VERSION');
    expectCode(
      () => verifyStatement({ ...st, v: 2 }, 'k', 2, kp.publicKey),
      'CRYPTO_BAD_SIGNATURE',
    );
  });

  it('rejects another signer, a changed body and a malformed statement', () => {
    const st = signStatement('k', 1, { a: 1 }, kp);
    expectCode(() => verifyStatement(st, 'k', 1, other.publicKey), 'CRYPTO_BAD_SIGNATURE');
    expectCode(
      () => verifyStatement({ ...st, body: { a: 2 } }, 'k', 1, kp.publicKey),
      'CRYPTO_BAD_SIGNATURE',
    );
    expectCode(
      () => verifyStatement({ ...st, extra: 1 }, 'k', 1, kp.publicKey),
      'STATEMENT_INVALID',
    );
    expectCode(
      () => verifyStatement({ ...st, sig: st.sig.slice(1) }, 'k', 1, kp.publicKey),
      'STATEMENT_INVALID',
    );
    expectCode(
      () => verifyStatement({ kind: 'k', v: 1, sig: st.sig }, 'k', 1, kp.publicKey),
      'STATEMENT_INVALID',
    );
    expectCode(() => verifyStatement(null, 'k', 1, kp.publicKey), 'STATEMENT_INVALID');
    expectCode(() => verifyStatement('{}', 'k', 1, kp.publicKey), 'STATEMENT_INVALID');
    // non-canonical base64url (unused trailing bits set) is refused
    const last = st.sig.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const tweaked = alphabet[alphabet.indexOf(last) ^ 1]!;
    expectCode(
      () => verifyStatement({ ...st, sig: st.sig.slice(0, -1) + tweaked }, 'k', 1, kp.publicKey),
      'STATEMENT_INVALID',
    );
  });

  it('parses the body with an optional zod schema', () => {
    const st = signStatement('k', 1, { count: 3 }, kp);
    const body = verifyStatement(st, 'k', 1, kp.publicKey, z.object({ count: z.number() }));
    expect(body.count).toBe(3);
    expectCode(
      () => verifyStatement(st, 'k', 1, kp.publicKey, z.object({ count: z.string() })),
      'STATEMENT_INVALID',
    );
  });

  it('property: random kinds, versions and JSON bodies round-trip', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}$/),
        fc.integer({ min: 1, max: 1000 }),
        fc.jsonValue(),
        (kind, v, body) => {
          const st = signStatement(kind, v, body as JsonValue, kp);
          const wire: unknown = JSON.parse(JSON.stringify(st));
          const back = verifyStatement(wire, kind, v, kp.publicKey);
          expect(canonicalJson(back)).toBe(canonicalJson(body));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: any single-bit change of the statement text is rejected', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.integer({ min: 0, max: 7 }), (body, pos, bit) => {
        const st = signStatement('entry.write', 1, body as JsonValue, kp);
        const bytes = utf8(JSON.stringify(st));
        const i = pos % bytes.length;
        bytes[i]! ^= 1 << bit;
        let mutated: unknown;
        try {
          mutated = JSON.parse(new TextDecoder().decode(bytes));
        } catch {
          return; // no longer JSON: rejected before verification
        }
        // A flip that keeps the same JSON value (e.g. "\u001f" → "\u001F") is not a change.
        let same: boolean;
        try {
          same = canonicalJson(mutated) === canonicalJson(st);
        } catch {
          same = false;
        }
        fc.pre(!same);
        let threw = false;
        try {
          verifyStatement(mutated, 'entry.write', 1, kp.publicKey);
        } catch (error) {
          threw = isBackboneError(error);
        }
        expect(threw).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('signs deterministically (Ed25519) over the canonical form', () => {
    const a = signStatement('k', 1, { x: 1, y: 2 }, kp);
    const b = signStatement('k', 1, { y: 2, x: 1 }, kp);
    expect(a.sig).toBe(b.sig);
    expect(toHex(statementSigningBytes('k', 1, { x: 1, y: 2 }))).toBe(
      toHex(statementSigningBytes('k', 1, { y: 2, x: 1 })),
    );
  });
});
