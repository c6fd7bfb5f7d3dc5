/**
 * TESTS ONLY: the renderer secret scan. Searches recorded IPC frames (text, as they crossed the
 * bridge or the Electron IPC binding) for registered secrets (src-main/core/key-registry.ts), each
 * in every encoding in which code could plausibly have let it through, and at every byte
 * alignment, so a secret inside a larger blob is found too:
 *
 * - `raw`: the bytes as a Latin-1 string, as such or JSON-escaped;
 * - `hex` and `HEX`: lower- and upper-case hex;
 * - `base64@k` and `base64url@k` for k = 0, 1, 2: the secret preceded by any number of bytes
 *   ≡ k (mod 3). The searched text is the part of the encoding that depends on the secret's bytes
 *   only: the encoding of (k filler bytes ‖ secret) without the first group of four characters
 *   when k > 0 (it mixes filler and secret) and without the last, partial group (it mixes secret
 *   and what follows). At most 4 bytes of each end are dropped, so a 32-byte secret is still
 *   searched by at least 26 of its bytes;
 * - `decimal`: the byte values as a comma-separated list (`[1,2,3]`, `1, 2, 3`), anywhere in a
 *   longer list, not inside a longer number (`11,2,3` does not match `1,2,3`);
 * - `object`: a `JSON.stringify(Uint8Array)` object `{"0":1,"1":2,…}`, at any index;
 * - `buffer-json`: a Node Buffer's JSON `{"type":"Buffer","data":[…]}`.
 *
 * Pure (no imports): usable by the Playwright journeys, by a test of the Electron preload path,
 * and by unit tests.
 */

export interface ScanSecret {
  kind: string;
  bytes: Uint8Array;
}

export type ScanEncoding =
  | 'raw'
  | 'hex'
  | 'HEX'
  | `base64@${0 | 1 | 2}`
  | `base64url@${0 | 1 | 2}`
  | 'decimal'
  | 'object'
  | 'buffer-json';

export interface ScanFinding {
  /** The registered kind of the secret that was found. */
  kind: string;
  /** Index of the secret in the list that was searched. */
  secret: number;
  encoding: ScanEncoding;
  /** Index of the frame it was found in. */
  frame: number;
}

/** Every encoding the scan searches. */
export const SCAN_ENCODINGS: readonly ScanEncoding[] = [
  'raw',
  'hex',
  'HEX',
  'base64@0',
  'base64@1',
  'base64@2',
  'base64url@0',
  'base64url@1',
  'base64url@2',
  'decimal',
  'object',
  'buffer-json',
];

/** Shortest secret the scan accepts (shorter ones would match by chance). */
export const SCAN_MIN_SECRET_BYTES = 16;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? B64[n & 63]! : '=';
  }
  return out;
}

function latin1(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/**
 * The part of base64(k filler bytes ‖ secret) that depends on the secret only (see the header).
 */
export function alignedBase64(bytes: Uint8Array, offset: 0 | 1 | 2, url = false): string {
  const padded = new Uint8Array(offset + bytes.length);
  padded.set(bytes, offset);
  const full = base64(padded);
  const stable = full.slice(offset === 0 ? 0 : 4, Math.floor(padded.length / 3) * 4);
  return url ? stable.replace(/\+/g, '-').replace(/\//g, '_') : stable;
}

/** Which text view a form is searched in, and whether it needs number boundaries. */
type View = 'text' | 'decimal' | 'object' | 'buffer';

interface Form {
  secret: number;
  encoding: ScanEncoding;
  view: View;
  text: string;
}

/** The searched texts of one secret (exported for tests). */
export function secretForms(bytes: Uint8Array): Array<{ encoding: ScanEncoding; text: string }> {
  const forms: Array<{ encoding: ScanEncoding; text: string }> = [];
  const raw = latin1(bytes);
  forms.push({ encoding: 'raw', text: raw });
  const escaped = JSON.stringify(raw).slice(1, -1);
  if (escaped !== raw) forms.push({ encoding: 'raw', text: escaped });
  const lower = hex(bytes);
  forms.push({ encoding: 'hex', text: lower }, { encoding: 'HEX', text: lower.toUpperCase() });
  for (const offset of [0, 1, 2] as const) {
    forms.push({ encoding: `base64@${offset}`, text: alignedBase64(bytes, offset) });
    forms.push({ encoding: `base64url@${offset}`, text: alignedBase64(bytes, offset, true) });
  }
  const decimal = Array.from(bytes).join(',');
  forms.push(
    { encoding: 'decimal', text: decimal },
    { encoding: 'object', text: decimal },
    { encoding: 'buffer-json', text: decimal },
  );
  return forms;
}

function viewOf(encoding: ScanEncoding): View {
  if (encoding === 'decimal') return 'decimal';
  if (encoding === 'object') return 'object';
  if (encoding === 'buffer-json') return 'buffer';
  return 'text';
}

/** At least this many numbers in a row make a list worth searching (shorter cannot hold a key). */
const MIN_RUN = SCAN_MIN_SECRET_BYTES;
// Each element a whole number of at most three digits: a longer number ends a run (so "2559"
// never yields "255"), and the boundary check in `search` sees the run's true edges.
const BYTE = String.raw`(?<!\d)\d{1,3}(?!\d)`;
const DECIMAL_RUN = new RegExp(String.raw`${BYTE}(?:\s*,\s*${BYTE}){${MIN_RUN - 1},}`, 'g');
const OBJECT_RUN = new RegExp(
  String.raw`"\d+"\s*:\s*${BYTE}(?:\s*,\s*"\d+"\s*:\s*${BYTE}){${MIN_RUN - 1},}`,
  'g',
);
const BUFFER_RUN = /"type"\s*:\s*"Buffer"\s*,\s*"data"\s*:\s*\[([\d\s,]*)\]/g;

/** The number lists of one frame, each as `n,n,n` on its own line. */
function numberView(frame: string, view: Exclude<View, 'text'>): string {
  const runs: string[] = [];
  if (view === 'decimal') {
    for (const match of frame.matchAll(DECIMAL_RUN)) runs.push(match[0]);
  } else if (view === 'object') {
    for (const match of frame.matchAll(OBJECT_RUN)) {
      runs.push(match[0].replace(/"\d+"\s*:\s*/g, ''));
    }
  } else {
    for (const match of frame.matchAll(BUFFER_RUN)) runs.push(match[1]!);
  }
  return runs.map((run) => run.replace(/\s+/g, '')).join('\n');
}

const ANCHOR = 12;

/** All occurrences of `forms` (all of one view) in `texts`; one finding per frame and form. */
function search(texts: string[], forms: Form[], numeric: boolean, into: Set<string>): void {
  const byAnchor = new Map<string, Form[]>();
  for (const form of forms) {
    const anchor = form.text.slice(0, ANCHOR);
    const list = byAnchor.get(anchor);
    if (list) list.push(form);
    else byAnchor.set(anchor, [form]);
  }
  texts.forEach((text, frame) => {
    for (let i = 0; i + ANCHOR <= text.length; i++) {
      const candidates = byAnchor.get(text.slice(i, i + ANCHOR));
      if (candidates === undefined) continue;
      for (const form of candidates) {
        if (!text.startsWith(form.text, i)) continue;
        if (numeric) {
          // Whole numbers only: not the tail of "11" nor the head of "255".
          const before = text[i - 1];
          const after = text[i + form.text.length];
          if (before !== undefined && before !== ',' && before !== '\n') continue;
          if (after !== undefined && after !== ',' && after !== '\n') continue;
        }
        into.add(`${form.secret}\u0000${form.encoding}\u0000${frame}`);
      }
    }
  });
}

/**
 * Searches every frame for every secret in every encoding. Returns one finding per (secret,
 * encoding, frame), in secret order. Secrets shorter than SCAN_MIN_SECRET_BYTES are refused.
 */
export function scanFrames(
  frames: readonly string[],
  secrets: readonly ScanSecret[],
): ScanFinding[] {
  const forms: Record<View, Form[]> = { text: [], decimal: [], object: [], buffer: [] };
  secrets.forEach((secret, index) => {
    if (secret.bytes.length < SCAN_MIN_SECRET_BYTES) {
      throw new Error(
        `secret ${index} (${secret.kind}) is shorter than ${SCAN_MIN_SECRET_BYTES} bytes`,
      );
    }
    for (const form of secretForms(secret.bytes)) {
      const view = viewOf(form.encoding);
      forms[view].push({ secret: index, encoding: form.encoding, view, text: form.text });
    }
  });
  const found = new Set<string>();
  search([...frames], forms.text, false, found);
  for (const view of ['decimal', 'object', 'buffer'] as const) {
    search(
      frames.map((frame) => numberView(frame, view)),
      forms[view],
      true,
      found,
    );
  }
  return [...found]
    .map((key) => {
      const [secret, encoding, frame] = key.split('\u0000');
      return {
        kind: secrets[Number(secret)]!.kind,
        secret: Number(secret),
        encoding: encoding as ScanEncoding,
        frame: Number(frame),
      };
    })
    .sort((a, b) => a.secret - b.secret || a.frame - b.frame);
}

/** Reads a key registry file's JSON lines (`{"kind", "hex"}`); unique values only. */
export function parseKeyRegistry(text: string): ScanSecret[] {
  const seen = new Set<string>();
  const secrets: ScanSecret[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { kind: string; hex: string };
    if (seen.has(entry.hex)) continue;
    seen.add(entry.hex);
    const bytes = new Uint8Array(entry.hex.length / 2);
    for (let i = 0; i < bytes.length; i++)
      bytes[i] = parseInt(entry.hex.slice(2 * i, 2 * i + 2), 16);
    secrets.push({ kind: entry.kind, bytes });
  }
  return secrets;
}

export interface RecordedFrame {
  direction: 'in' | 'out';
  frame: string;
}

/** Reads a traffic recording's JSON lines (`{"at", "direction", "frame"}`). */
export function parseRecordedFrames(text: string): RecordedFrame[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const { direction, frame } = JSON.parse(line) as RecordedFrame;
      return { direction, frame };
    });
}
