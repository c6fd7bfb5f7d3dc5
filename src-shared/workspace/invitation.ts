/**
 * Invitations (docs/design.md §3, the seed's `user generate` / `user import`).
 *
 * The invitee makes an invitation for the member name they want; the administrator imports it
 * after comparing its fingerprint (the invitee's safety number) out of band, and adds the member
 * with a `user.add` entry that carries the invitation signature, so every client can check that
 * the identity itself asked for that name with that box key.
 *
 * Signed statement: kind `membership.invitation`, v1, body `{name, sign, box}` (keys base64url),
 * signed by the identity signing key.
 *
 * Text form (copy-paste safe, QR friendly, ~190 characters):
 *
 *     "bbinvite1." ‖ base64url( sign pk (32) ‖ box pk (32) ‖ signature (64) ‖ UTF-8(name) )
 *
 * The `1` in the prefix is the format version; other versions are refused with
 * `UNSUPPORTED_VERSION`. White space inside the text (line breaks from e-mail clients) is ignored.
 */
import { z } from 'zod';
import {
  BOX_PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  SIGN_PUBLIC_KEY_BYTES,
  boxPublicKey,
  concatBytes,
  fromBase64Url,
  fromUtf8,
  safetyNumber,
  signPublicKey,
  signStatement,
  statementSigningBytes,
  toBase64Url,
  utf8,
  verifyDetached,
  type BoxPublicKey,
  type SignKeyPair,
  type SignPublicKey,
} from '../crypto/index.js';
import { BackboneError } from '../errors.js';

/** Member names: lower case letters, digits, ".", "_", "-"; 1..64 characters. */
export const MEMBER_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MemberNameSchema = z.string().regex(MEMBER_NAME_PATTERN);

export function isMemberName(value: unknown): value is string {
  return typeof value === 'string' && MEMBER_NAME_PATTERN.test(value);
}

export const INVITATION_KIND = 'membership.invitation';
export const INVITATION_VERSION = 1;
export const INVITATION_PREFIX = 'bbinvite';
const TEXT_PREFIX = `${INVITATION_PREFIX}${INVITATION_VERSION}.`;
const FIXED_BYTES = SIGN_PUBLIC_KEY_BYTES + BOX_PUBLIC_KEY_BYTES + SIGNATURE_BYTES;
/** Upper bound on the pasted text (white space included) before any decoding. */
const MAX_TEXT_LENGTH = 2048;

/** A parsed, signature-checked invitation. */
export interface Invitation {
  v: typeof INVITATION_VERSION;
  name: string;
  signPk: SignPublicKey;
  boxPk: BoxPublicKey;
  /** The identity's signature over `{name, sign, box}`, base64url (86 characters). */
  sig: string;
}

/** Identity keys needed to make an invitation (an `Identity` from the crypto core fits). */
export interface InvitationIdentity {
  signKeyPair: SignKeyPair;
  boxKeyPair: { publicKey: BoxPublicKey };
}

function statementBody(name: string, signPk: Uint8Array, boxPk: Uint8Array) {
  return { name, sign: toBase64Url(signPk), box: toBase64Url(boxPk) };
}

/**
 * True if `sig` (base64url) is the identity's invitation signature for `name` with these keys.
 * Never throws for malformed input.
 */
export function verifyInvitationSignature(
  name: string,
  signPk: SignPublicKey,
  boxPk: BoxPublicKey,
  sig: string,
): boolean {
  let sigBytes: Uint8Array;
  try {
    sigBytes = fromBase64Url(sig);
  } catch {
    return false;
  }
  if (!isMemberName(name) || sigBytes.length !== SIGNATURE_BYTES) return false;
  const bytes = statementSigningBytes(
    INVITATION_KIND,
    INVITATION_VERSION,
    statementBody(name, signPk, boxPk),
  );
  return verifyDetached(sigBytes, bytes, signPk);
}

/** Makes the invitation text for `name` (the member name the invitee asks for). */
export function createInvitation(identity: InvitationIdentity, name: string): string {
  if (!isMemberName(name)) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      'A member name must be 1 to 64 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter or digit.',
    );
  }
  const signPk = signPublicKey(identity.signKeyPair.publicKey);
  const boxPk = boxPublicKey(identity.boxKeyPair.publicKey);
  const statement = signStatement(
    INVITATION_KIND,
    INVITATION_VERSION,
    statementBody(name, signPk, boxPk),
    identity.signKeyPair,
  );
  const packed = concatBytes(signPk, boxPk, fromBase64Url(statement.sig), utf8(name));
  return TEXT_PREFIX + toBase64Url(packed);
}

function invalid(message: string, cause?: unknown): BackboneError {
  return new BackboneError(
    'INVITATION_INVALID',
    `${message} Ask the person for a fresh copy of their invitation and paste it whole.`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Parses and verifies an invitation text. Throws `INVITATION_INVALID` (not an invitation, cut
 * off, damaged), `UNSUPPORTED_VERSION` (a newer format) or `INVITATION_BAD_SIGNATURE` (changed
 * after it was made).
 */
export function parseInvitation(text: string): Invitation {
  if (typeof text !== 'string' || text.length > MAX_TEXT_LENGTH) {
    throw invalid('This is not a Backbone invitation.');
  }
  const compact = text.replace(/\s+/g, '');
  const match = /^bbinvite(\d{1,6})\.(.*)$/s.exec(compact);
  if (!match)
    throw invalid('This is not a Backbone invitation (it should start with "bbinvite1.").');
  if (Number(match[1]) !== INVITATION_VERSION) {
    throw new BackboneError(
      'UNSUPPORTED_VERSION',
      `This invitation has format version ${match[1]}; this app understands version ${INVITATION_VERSION}. Update Backbone if it is newer.`,
    );
  }
  let packed: Uint8Array;
  try {
    packed = fromBase64Url(match[2]!);
  } catch (cause) {
    throw invalid('This invitation is damaged (it contains characters that do not belong).', cause);
  }
  if (packed.length <= FIXED_BYTES || packed.length > FIXED_BYTES + 64) {
    throw invalid('This invitation is too short or too long: it was cut off or changed.');
  }
  const signPk = signPublicKey(packed.slice(0, SIGN_PUBLIC_KEY_BYTES));
  const boxPk = boxPublicKey(
    packed.slice(SIGN_PUBLIC_KEY_BYTES, SIGN_PUBLIC_KEY_BYTES + BOX_PUBLIC_KEY_BYTES),
  );
  const sig = toBase64Url(packed.slice(SIGN_PUBLIC_KEY_BYTES + BOX_PUBLIC_KEY_BYTES, FIXED_BYTES));
  let name: string;
  try {
    name = fromUtf8(packed.slice(FIXED_BYTES));
  } catch (cause) {
    throw invalid('The name in this invitation is damaged.', cause);
  }
  if (!isMemberName(name)) throw invalid('The name in this invitation is not a valid member name.');
  if (!verifyInvitationSignature(name, signPk, boxPk, sig)) {
    throw new BackboneError(
      'INVITATION_BAD_SIGNATURE',
      'This invitation was changed after it was made (its signature does not match). Do not import it; ask the person for a fresh one.',
    );
  }
  return { v: INVITATION_VERSION, name, signPk, boxPk, sig };
}

/**
 * The fingerprint to compare out of band before importing: the invitee's safety number (12
 * groups of 5 digits). The invitee sees the same number in their app.
 */
export function invitationFingerprint(invitation: Pick<Invitation, 'signPk' | 'boxPk'>): string {
  return safetyNumber(invitation.signPk, invitation.boxPk);
}
