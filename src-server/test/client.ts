/**
 * Test client: plain HTTP calls (fetch) plus helpers that do what a Backbone client does —
 * make an identity and devices, register, answer a challenge, log in. Responses are checked
 * against the shared zod schemas where a test relies on their shape.
 */
import {
  createDeviceCertificate,
  deriveIdentity,
  generateSignKeyPair,
  identityAddress,
  randomBytes,
  rootSecret,
  toBase64Url,
  type DeviceCertificate,
  type Identity,
  type SignKeyPair,
} from '../../src-shared/crypto/index.js';
import {
  challengeResponseSchema,
  signAuthResponse,
  tokenResponseSchema,
  type ChallengeResponse,
  type Scope,
  type TokenResponse,
} from '../../src-shared/api/auth.js';
import {
  createDeviceRevocation,
  createIdentityProfile,
  type IdentityProfile,
} from '../../src-shared/api/identities.js';
import { apiErrorSchema } from '../../src-shared/api/common.js';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

export class ApiClient {
  constructor(readonly url: string) {}

  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    const response = await fetch(this.url + path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('application/json') && text) {
      parsed = JSON.parse(text);
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = unknown>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('POST', path, { ...options, body: body ?? options.body });
  }
  delete<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }
}

/** The error code of an error answer (fails the parse if the body is not our envelope). */
export function errorCode(response: ApiResponse): string {
  return apiErrorSchema.parse(response.body).error.code;
}

export interface TestDevice {
  keyPair: SignKeyPair;
  id: string;
  certificate: DeviceCertificate;
}

export interface TestIdentity {
  identity: Identity;
  id: string;
  profile: IdentityProfile;
  devices: TestDevice[];
}

export function newTestDevice(
  user: Pick<TestIdentity, 'identity'>,
  name = 'laptop',
  signer: SignKeyPair = user.identity.signKeyPair,
): TestDevice {
  const keyPair = generateSignKeyPair();
  const certificate = createDeviceCertificate(signer, {
    devicePublicKey: keyPair.publicKey,
    name,
    platform: 'linux',
    created: new Date(),
  });
  return { keyPair, id: toBase64Url(keyPair.publicKey), certificate };
}

/** A new identity from a random root secret, with one device. */
export function newTestIdentity(displayName = 'Alice'): TestIdentity {
  const identity = deriveIdentity(rootSecret(randomBytes(32)));
  const profile = createIdentityProfile(identity.signKeyPair, {
    boxPublicKey: identity.boxKeyPair.publicKey,
    displayName,
    created: new Date(),
  });
  const user: TestIdentity = {
    identity,
    id: identityAddress(identity.signKeyPair.publicKey),
    profile,
    devices: [],
  };
  user.devices.push(newTestDevice(user));
  return user;
}

export function registrationBody(user: TestIdentity, device = user.devices[0]!) {
  return { v: 1, profile: user.profile, deviceCertificate: device.certificate };
}

export async function register(api: ApiClient, user: TestIdentity): Promise<void> {
  const response = await api.post('/v1/identities', registrationBody(user));
  if (response.status !== 201) {
    throw new Error(`registration failed: ${response.status} ${response.text}`);
  }
}

export async function challenge(api: ApiClient): Promise<ChallengeResponse> {
  const response = await api.post('/v1/auth/challenge', {});
  if (response.status !== 201) throw new Error(`challenge failed: ${response.status}`);
  const parsed = challengeResponseSchema.parse(response.body);
  challengeOrigins.set(parsed, new URL(api.url).origin);
  return parsed;
}

/** The server address each challenge was fetched from: the origin a login signs by default. */
const challengeOrigins = new WeakMap<ChallengeResponse, string>();

export interface LoginOptions {
  /** The origin to sign (default: the address the challenge was fetched from). */
  origin?: string;
  device?: TestDevice;
  scopes?: Scope[];
  workspaceId?: string;
  ttlSeconds?: number;
  label?: string;
}

/** The body of a login request answering `ch` (for tests that tamper with it). */
export function loginBody(user: TestIdentity, ch: ChallengeResponse, options: LoginOptions = {}) {
  const device = options.device ?? user.devices[0]!;
  const { device: _device, origin: _origin, ...grant } = options;
  return {
    v: 1,
    identity: user.id,
    certificate: device.certificate,
    response: signAuthResponse(device.keyPair, {
      challenge: ch,
      identity: user.id,
      origin: options.origin ?? challengeOrigins.get(ch) ?? 'http://unknown.invalid',
    }),
    ...grant,
  };
}

export async function loginResponse(
  api: ApiClient,
  user: TestIdentity,
  options: LoginOptions = {},
): Promise<ApiResponse> {
  return api.post('/v1/auth/login', loginBody(user, await challenge(api), options));
}

/** Logs in; returns the token response. */
export async function login(
  api: ApiClient,
  user: TestIdentity,
  options: LoginOptions = {},
): Promise<TokenResponse> {
  const response = await loginResponse(api, user, options);
  if (response.status !== 201) {
    throw new Error(`login failed: ${response.status} ${response.text}`);
  }
  return tokenResponseSchema.parse(response.body);
}

/** Registers a new identity and logs its first device in. */
export async function registeredUser(
  api: ApiClient,
  displayName = 'Alice',
  options: LoginOptions = {},
): Promise<{ user: TestIdentity; token: string; tokenResponse: TokenResponse }> {
  const user = newTestIdentity(displayName);
  await register(api, user);
  const tokenResponse = await login(api, user, options);
  return { user, token: tokenResponse.token, tokenResponse };
}

export function revocationBody(user: TestIdentity, device: TestDevice) {
  return {
    v: 1,
    revocation: createDeviceRevocation(user.identity.signKeyPair, {
      devicePublicKey: device.keyPair.publicKey,
      revoked: new Date(),
    }),
  };
}

/** `GET /v1/auth/tokens/current` with `token`: what the server says of it (200 or 401). */
export function whoami(api: ApiClient, token: string): Promise<ApiResponse> {
  return api.get('/v1/auth/tokens/current', { token });
}
