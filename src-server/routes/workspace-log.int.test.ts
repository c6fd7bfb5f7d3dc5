/**
 * The membership log over HTTP: appends checked with the model rules, endpoint permissions and
 * the workspace guard, refusals that leave the log as it was, and compare-and-swap on the head,
 * against both backends.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  logResponseSchema,
  workspaceListResponseSchema,
  workspaceResponseSchema,
} from '../../src-shared/api/workspaces.js';
import { isBackboneError } from '../../src-shared/errors.js';
import {
  applyEntries,
  createEntry,
  createNamingRotation,
  createUserAdd,
  createUserRemoval,
  verifyLog,
  type MembershipEntry,
} from '../../src-shared/workspace/membership-log.js';
import { useTestBackends } from '../test/backends.js';
import type { ApiClient } from '../test/client.js';
import { errorCode, login, newTestDevice, revocationBody } from '../test/client.js';
import {
  type Server,
  type Person,
  invitationOf,
  createWs,
  append,
  appendOk,
  addEntry,
  forge,
  genesisFor,
  useCast,
} from '../test/workspaces.js';

const backends = useTestBackends();

describe.each(backends)('workspaces and events ($name)', (backend) => {
  const cast = useCast(backend);
  let server: Server;
  let api: ApiClient;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let dave: Person;
  beforeAll(() => ({ server, api, alice, bob, carol, dave } = cast()));

  it('appends entries with the model rules and enforces endpoint permissions', async () => {
    const ws = await createWs(api, alice);
    const path = `/v1/workspaces/${ws.id}`;

    // alice adds bob (USER_MANAGE, STORE_USE) and carol (STORE_USE) in one append
    const addBob = addEntry(ws, alice, bob, ['USER_MANAGE', 'STORE_USE']);
    const addCarol = createUserAdd(applyEntries(ws.state, [addBob]), {
      invitation: invitationOf(carol.user, 'carol'),
      permissions: ['STORE_USE'],
      namingKey: ws.namingKey,
      author: alice.author,
    });
    const appended = await appendOk(api, alice.token, ws, [addBob, addCarol]);
    expect(appended.appended.map((a) => a.seq)).toEqual([1, 2]);
    expect(appended.head).toEqual(ws.state.head);

    // membership is enough to read
    for (const reader of [bob, carol]) {
      const got = await api.get(path, { token: reader.token });
      expect(got.status, got.text).toBe(200);
      const log = await api.get(`${path}/log`, { token: reader.token });
      expect(log.status).toBe(200);
    }
    expect(
      workspaceResponseSchema.parse((await api.get(path, { token: carol.token })).body).workspace
        .you,
    ).toEqual({ name: 'carol', permissions: ['STORE_USE'] });

    // paging
    const page = logResponseSchema.parse(
      (await api.get(`${path}/log?from=1&limit=1`, { token: bob.token })).body,
    );
    expect(page.entries.map((e) => e.seq)).toEqual([1]);
    expect(page.next).toBe(2);
    const last = logResponseSchema.parse(
      (await api.get(`${path}/log?from=2`, { token: bob.token })).body,
    );
    expect(last.entries.map((e) => e.seq)).toEqual([2]);
    expect(last.next).toBeNull();
    const beyond = logResponseSchema.parse(
      (await api.get(`${path}/log?from=9`, { token: bob.token })).body,
    );
    expect(beyond).toMatchObject({ entries: [], next: null });
    expect((await api.get(`${path}/log?limit=0`, { token: bob.token })).status).toBe(400);
    expect((await api.get(`${path}/log?limit=1001`, { token: bob.token })).status).toBe(400);
    expect((await api.get(`${path}/log?foo=1`, { token: bob.token })).status).toBe(400);

    // not a member
    for (const request of [
      api.get(path, { token: dave.token }),
      api.get(`${path}/log`, { token: dave.token }),
      append(api, dave.token, ws.id, [
        forge(ws.state, 'user.remove', { name: 'carol' }, alice.author),
      ]),
      api.delete(path, { token: dave.token }),
    ]) {
      const response = await request;
      expect(response.status).toBe(403);
      expect(errorCode(response)).toBe('FORBIDDEN');
    }
    // missing permission: carol cannot append, bob (no ROOT) cannot delete
    const carolAppend = await append(api, carol.token, ws.id, [
      createEntry(ws.state, 'user.permissions', { name: 'carol', permissions: [] }, alice.author),
    ]);
    expect(carolAppend.status).toBe(403);
    expect(errorCode(carolAppend)).toBe('FORBIDDEN');
    const bobDelete = await api.delete(path, { token: bob.token });
    expect(bobDelete.status).toBe(403);

    // token missing the scope (alice is ROOT, but this token only has STORE_USE)
    const storeOnly = await login(api, alice.user, { scopes: ['STORE_USE'] });
    expect((await api.get(path, { token: storeOnly.token })).status).toBe(200);
    const scoped = await append(api, storeOnly.token, ws.id, [
      createEntry(ws.state, 'user.permissions', { name: 'carol', permissions: [] }, alice.author),
    ]);
    expect(scoped.status).toBe(403);
    expect(errorCode(scoped)).toBe('FORBIDDEN');
    expect((await api.delete(path, { token: storeOnly.token })).status).toBe(403);

    // token limited to another workspace; and to this one
    const elsewhere = await login(api, alice.user, { workspaceId: 'BBBBBBBBBBBBBBBBBBBBBB' });
    expect((await api.get(path, { token: elsewhere.token })).status).toBe(403);
    expect((await api.get(`${path}/log`, { token: elsewhere.token })).status).toBe(403);
    const here = await login(api, alice.user, { workspaceId: ws.id });
    expect((await api.get(path, { token: here.token })).status).toBe(200);
    const listed = workspaceListResponseSchema.parse(
      (await api.get('/v1/workspaces', { token: here.token })).body,
    );
    expect(listed.workspaces.map((w) => w.id)).toEqual([ws.id]);

    // a non-ROOT administrator's entries go through the model: bob (USER_MANAGE) adds dave
    await appendOk(api, bob.token, ws, [addEntry(ws, bob, dave, ['STORE_USE'])]);
    expect((await api.get(path, { token: dave.token })).status).toBe(200);

    // revoked device's token
    const second = newTestDevice(bob.user, 'phone');
    bob.user.devices.push(second);
    const phone = await login(api, bob.user, { device: second });
    expect((await api.get(path, { token: phone.token })).status).toBe(200);
    const revoked = await api.post(
      `/v1/identities/${bob.user.id}/devices/${second.id}/revoke`,
      revocationBody(bob.user, second),
    );
    expect(revoked.status).toBe(200);
    const afterRevoke = await api.get(path, { token: phone.token });
    expect(afterRevoke.status).toBe(401);
    expect(errorCode(afterRevoke)).toBe('AUTH_DEVICE_REVOKED');

    // expired token
    const short = await login(api, carol.user, { ttlSeconds: 60 });
    expect((await api.get(path, { token: short.token })).status).toBe(200);
    server.clock.advance(61_000);
    const expired = await api.get(path, { token: short.token });
    expect(expired.status).toBe(401);
    expect(errorCode(expired)).toBe('AUTH_TOKEN_EXPIRED');

    // removed member: alice removes carol (removal + rotation in one append)
    const removal = createUserRemoval(ws.state, 'carol', alice.author);
    await appendOk(api, alice.token, ws, removal.entries);
    ws.namingKey = removal.namingKey!;
    for (const request of [
      api.get(path, { token: carol.token }),
      api.get(`${path}/log`, { token: carol.token }),
    ]) {
      const response = await request;
      expect(response.status).toBe(403);
      expect(errorCode(response)).toBe('FORBIDDEN');
    }
    const carolList = workspaceListResponseSchema.parse(
      (await api.get('/v1/workspaces', { token: carol.token })).body,
    );
    expect(carolList.workspaces.map((w) => w.id)).not.toContain(ws.id);

    // the whole log verifies for a client
    const log = logResponseSchema.parse(
      (await api.get(`${path}/log`, { token: alice.token })).body,
    );
    expect(verifyLog(log.entries).head).toEqual(ws.state.head);

    // unknown workspace
    const unknown = await api.get('/v1/workspaces/CCCCCCCCCCCCCCCCCCCCCC', { token: alice.token });
    expect(unknown.status).toBe(404);
    expect(errorCode(unknown)).toBe('NOT_FOUND');
  });

  it('refuses what the model refuses, leaving the log as it was', async () => {
    const ws = await createWs(api, alice);
    const other = await createWs(api, alice);
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, bob, ['USER_MANAGE', 'STORE_USE'])]);
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, carol, ['STORE_USE'])]);
    const head = ws.state.head;

    const cases: [string, MembershipEntry, number, string][] = [
      // carol has no USER_MANAGE: she cannot author entries (the caller, alice, may post them)
      [
        'non-admin author',
        forge(ws.state, 'user.remove', { name: 'bob' }, carol.author),
        403,
        'MEMBERSHIP_FORBIDDEN',
      ],
      // the only ROOT cannot remove itself
      [
        'last ROOT removal',
        forge(ws.state, 'user.remove', { name: 'alice' }, alice.author),
        403,
        'MEMBERSHIP_FORBIDDEN',
      ],
      // bob (USER_MANAGE) cannot grant ROOT
      [
        'escalation',
        forge(ws.state, 'user.permissions', { name: 'carol', permissions: ['ROOT'] }, bob.author),
        403,
        'MEMBERSHIP_FORBIDDEN',
      ],
      [
        'bad signature',
        {
          ...createEntry(
            ws.state,
            'user.permissions',
            { name: 'carol', permissions: [] },
            alice.author,
          ),
          body: { name: 'carol', permissions: ['STORE_SHARE'] },
        } as MembershipEntry,
        403,
        'MEMBERSHIP_BAD_SIGNATURE',
      ],
      [
        'wrong workspace',
        forge(ws.state, 'user.remove', { name: 'carol' }, alice.author, { workspace: other.id }),
        400,
        'MEMBERSHIP_WRONG_WORKSPACE',
      ],
      [
        'malformed',
        {
          ...forge(ws.state, 'user.remove', { name: 'carol' }, alice.author),
          extra: true,
        } as never,
        400,
        'MEMBERSHIP_INVALID',
      ],
      [
        'a second genesis',
        { ...genesisFor(alice).entry, workspace: ws.id },
        409,
        'MEMBERSHIP_CONFLICT',
      ],
    ];
    for (const [what, entry, status, code] of cases) {
      const response = await append(api, alice.token, ws.id, [entry]);
      expect([what, response.status, errorCode(response)]).toEqual([what, status, code]);
    }
    // a batch is all or nothing: a good entry followed by a bad one stores neither
    const good = createEntry(
      ws.state,
      'user.permissions',
      { name: 'carol', permissions: [] },
      alice.author,
    );
    const afterGood = applyEntries(ws.state, [good]);
    const bad = forge(afterGood, 'user.remove', { name: 'alice' }, alice.author);
    const batch = await append(api, alice.token, ws.id, [good, bad]);
    expect(batch.status).toBe(403);

    // hostile bodies: always a 4xx JSON error, never a 5xx, never stored
    const valid = forge(ws.state, 'user.remove', { name: 'carol' }, alice.author);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record({ v: fc.constant(1), entries: fc.array(fc.jsonValue(), { maxLength: 3 }) }),
          fc
            .tuple(fc.constantFrom(...Object.keys(valid)), fc.jsonValue())
            .map(([key, value]) => ({ v: 1, entries: [{ ...valid, [key]: value }] })),
          fc
            .tuple(fc.constantFrom(...Object.keys(valid.body)), fc.jsonValue())
            .map(([key, value]) => ({
              v: 1,
              entries: [{ ...valid, body: { ...valid.body, [key]: value } }],
            })),
        ),
        fc.boolean(),
        async (body, genesis) => {
          const response = genesis
            ? await api.post('/v1/workspaces', { v: 1, genesis: body }, { token: alice.token })
            : await api.post(`/v1/workspaces/${ws.id}/log`, body, { token: alice.token });
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          errorCode(response);
        },
      ),
      { numRuns: 150 },
    );

    const got = workspaceResponseSchema.parse(
      (await api.get(`/v1/workspaces/${ws.id}`, { token: alice.token })).body,
    );
    expect(got.workspace.head).toEqual(head);
  });

  it('compare-and-swap: of two appends on the same head exactly one wins', async () => {
    const ws = await createWs(api, alice);
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, bob, ['USER_MANAGE', 'STORE_USE'])]);
    for (let round = 0; round < 3; round++) {
      const byAlice = createEntry(
        ws.state,
        'user.permissions',
        {
          name: 'bob',
          // toggle STORE_USE relative to bob's permissions now (whoever won the last round)
          permissions: ws.state.members.get('bob')!.permissions.includes('STORE_USE')
            ? ['USER_MANAGE']
            : ['USER_MANAGE', 'STORE_USE'],
        },
        alice.author,
      );
      const rotation = createNamingRotation(ws.state, bob.author);
      const byBob = rotation.entry;
      const results = await Promise.all([
        append(api, alice.token, ws.id, [byAlice]),
        append(api, bob.token, ws.id, [byBob]),
      ]);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409]);
      const loser = results.find((r) => r.status === 409)!;
      expect(errorCode(loser)).toBe('MEMBERSHIP_CONFLICT');
      const winner = results[0]!.status === 201 ? byAlice : byBob;
      ws.state = applyEntries(ws.state, [winner]);
      if (winner === byBob) ws.namingKey = rotation.namingKey;
    }
    // a stale entry (already superseded) is a conflict too
    const log = logResponseSchema.parse(
      (await api.get(`/v1/workspaces/${ws.id}/log`, { token: alice.token })).body,
    );
    expect(verifyLog(log.entries).head).toEqual(ws.state.head);
    const stale = await append(api, alice.token, ws.id, [log.entries[1]]);
    expect(stale.status).toBe(409);

    // the storage itself: two concurrent compare-and-swaps from two connections
    // (SQLite: one connection per process, whose transactions run one at a time)
    const second =
      backend.name === 'postgres' ? await backend.reopen(server.opened) : server.storage;
    try {
      const expected = { seq: ws.state.head.seq, hash: ws.state.head.hash };
      const record = (n: number) => ({
        seq: expected.seq + 1,
        entry: JSON.stringify({ n }),
        hash: `${'A'.repeat(42)}${n}`,
      });
      const outcomes = await Promise.allSettled([
        server.storage.appendMembershipEntries(ws.id, expected, [record(1)], [], [], 1),
        second.appendMembershipEntries(ws.id, expected, [record(2)], [], [], 1),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const failed = outcomes.find((o) => o.status === 'rejected');
      expect(isBackboneError(failed?.reason, 'MEMBERSHIP_CONFLICT')).toBe(true);
    } finally {
      if (second !== server.storage) await second.close();
    }
  });
});
