/**
 * Workspaces: creation from a signed genesis, deletion, and members who register after they
 * were added, against both backends (the log itself: workspace-log.int.test.ts; the push
 * channel: workspace-events.int.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  logResponseSchema,
  workspaceListResponseSchema,
  workspaceResponseSchema,
} from '../../src-shared/api/workspaces.js';
import { verifyLog } from '../../src-shared/workspace/membership-log.js';
import { useTestBackends } from '../test/backends.js';
import type { ApiClient } from '../test/client.js';
import { errorCode, login, newTestIdentity, register } from '../test/client.js';
import {
  type Server,
  type Person,
  type Ws,
  genesisFor,
  createWs,
  append,
  appendOk,
  addEntry,
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

  it('creates a workspace from a genesis signed by the caller, and serves it', async () => {
    const genesis = genesisFor(alice, 'Research');
    const id = genesis.state.workspaceId;
    // someone else's genesis: refused
    const stolen = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: genesis.entry },
      {
        token: bob.token,
      },
    );
    expect(stolen.status).toBe(403);
    expect(errorCode(stolen)).toBe('FORBIDDEN');

    const created = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: genesis.entry },
      {
        token: alice.token,
      },
    );
    expect(created.status, created.text).toBe(201);
    const view = workspaceResponseSchema.parse(created.body).workspace;
    expect(view).toMatchObject({
      id,
      displayName: 'Research',
      genesisHash: genesis.state.genesisHash,
      head: { seq: 0, hash: genesis.state.genesisHash },
      you: { name: 'alice', permissions: ['ROOT'] },
    });

    const again = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: genesis.entry },
      {
        token: alice.token,
      },
    );
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe('WORKSPACE_EXISTS');

    const got = await api.get(`/v1/workspaces/${id}`, { token: alice.token });
    expect(got.status).toBe(200);
    expect(workspaceResponseSchema.parse(got.body).workspace).toEqual(view);

    const list = await api.get('/v1/workspaces', { token: alice.token });
    expect(workspaceListResponseSchema.parse(list.body).workspaces.map((w) => w.id)).toContain(id);
    const none = await api.get('/v1/workspaces', { token: dave.token });
    expect(workspaceListResponseSchema.parse(none.body).workspaces.map((w) => w.id)).not.toContain(
      id,
    );

    const log = logResponseSchema.parse(
      (await api.get(`/v1/workspaces/${id}/log`, { token: alice.token })).body,
    );
    expect(log).toMatchObject({ workspaceId: id, next: null, head: { seq: 0 } });
    expect(verifyLog(log.entries, { pinnedGenesisHash: genesis.state.genesisHash }).head).toEqual(
      genesis.state.head,
    );
  });

  it('refuses bad genesis entries and tokens that may not create', async () => {
    const genesis = genesisFor(alice);
    const tampered = { ...genesis.entry, body: { ...genesis.entry.body, name: 'Other' } };
    const bad = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: tampered },
      {
        token: alice.token,
      },
    );
    expect(bad.status).toBe(403);
    expect(errorCode(bad)).toBe('MEMBERSHIP_BAD_SIGNATURE');

    const malformed = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: { ...genesis.entry, extra: 1 } },
      { token: alice.token },
    );
    expect(malformed.status).toBe(400);
    expect(errorCode(malformed)).toBe('MEMBERSHIP_INVALID');

    const future = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: { ...genesis.entry, v: 2 } },
      {
        token: alice.token,
      },
    );
    expect(errorCode(future)).toBe('UNSUPPORTED_VERSION');

    const notGenesis = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: [] },
      {
        token: alice.token,
      },
    );
    expect(notGenesis.status).toBe(400);

    const storeOnly = await login(api, alice.user, { scopes: ['STORE_USE'] });
    const noScope = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: genesis.entry },
      {
        token: storeOnly.token,
      },
    );
    expect(noScope.status).toBe(403);
    expect(errorCode(noScope)).toBe('FORBIDDEN');

    const otherWs = await login(api, alice.user, { workspaceId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    const bound = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: genesis.entry },
      {
        token: otherWs.token,
      },
    );
    expect(bound.status).toBe(403);

    const anonymous = await api.post('/v1/workspaces', { v: 1, genesis: genesis.entry });
    expect(anonymous.status).toBe(401);
  });

  it('lets an administrator add an identity that registers later', async () => {
    const ws = await createWs(api, alice);
    const erin = newTestIdentity('erin');
    const erinPerson: Person = {
      user: erin,
      token: '',
      author: { name: 'erin', signKeyPair: erin.identity.signKeyPair },
    };
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, erinPerson, ['STORE_USE'])]);
    await register(api, erin);
    const token = (await login(api, erin)).token;
    const got = await api.get(`/v1/workspaces/${ws.id}`, { token });
    expect(got.status).toBe(200);
    const list = workspaceListResponseSchema.parse(
      (await api.get('/v1/workspaces', { token })).body,
    );
    expect(list.workspaces.map((w) => w.id)).toEqual([ws.id]);
  });

  it('deletes a workspace (ROOT only); later requests are 404 and its id stays taken', async () => {
    const genesis = genesisFor(alice);
    const ws: Ws = {
      id: genesis.state.workspaceId,
      state: genesis.state,
      namingKey: genesis.namingKey,
    };
    expect(
      (await api.post('/v1/workspaces', { v: 1, genesis: genesis.entry }, { token: alice.token }))
        .status,
    ).toBe(201);
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, bob, ['ROOT'])]);
    const path = `/v1/workspaces/${ws.id}`;
    const deleted = await api.delete(path, { token: bob.token });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body).toMatchObject({ v: 1, id: ws.id });
    for (const request of [
      api.get(path, { token: alice.token }),
      api.get(`${path}/log`, { token: alice.token }),
      append(api, alice.token, ws.id, [addEntry(ws, alice, carol, [])]),
      api.delete(path, { token: alice.token }),
    ]) {
      const response = await request;
      expect(response.status).toBe(404);
      expect(errorCode(response)).toBe('NOT_FOUND');
    }
    const list = workspaceListResponseSchema.parse(
      (await api.get('/v1/workspaces', { token: alice.token })).body,
    );
    expect(list.workspaces.map((w) => w.id)).not.toContain(ws.id);
    const recreate = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: genesis.entry },
      {
        token: alice.token,
      },
    );
    expect(recreate.status).toBe(409);
    expect(errorCode(recreate)).toBe('WORKSPACE_EXISTS');
    expect(await server.storage.getMembershipLog(ws.id, 0, 10)).toEqual([]);
  });
});
