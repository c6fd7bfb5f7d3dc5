/**
 * What the crash test's clients sent and what the server acknowledged. Every client's `fetch`
 * goes through `Journal.fetch`, which notes each store commit and membership-log append:
 * `acked` when a 2xx answer was read in full, `refused` when the server answered 4xx (nothing
 * applied), `unknown` when the request may have reached the server but no answer came back
 * (the kill) — those may or may not be applied, but each must be all or nothing.
 */
import type { FetchFunction } from '../../src-shared/sdk/http.js';

export type Outcome = 'pending' | 'acked' | 'refused' | 'unknown';

export interface StoreChangeSent {
  put: { namespaces: Rec[]; grants: Rec[]; entries: Rec[] };
  remove: { namespaces: string[]; grants: string[]; entries: string[] };
}
export type Rec = Record<string, unknown> & { id: string };

export interface SentCommit {
  seq: number;
  change: StoreChangeSent;
  outcome: Outcome;
  /** The store revision the server answered (acked only). */
  revision?: number;
}

export interface SentAppend {
  entries: unknown[];
  outcome: Outcome;
  /** `{seq, hash}` per appended entry, as the server answered (acked only). */
  appended?: { seq: number; hash: string }[];
}

export class Journal {
  commits: SentCommit[] = [];
  appends: SentAppend[] = [];
  #next = 0;

  constructor(private readonly inner: FetchFunction = (input, init) => fetch(input, init)) {}

  /** Starts a new round: forgets the commits (the store was checked), keeps nothing pending. */
  clearCommits(): void {
    this.commits = [];
  }

  readonly fetch: FetchFunction = async (input, init) => {
    const method = init?.method ?? 'GET';
    const path = new URL(input).pathname;
    const isCommit = method === 'POST' && /\/store\/commit$/.test(path);
    const isAppend = method === 'POST' && /^\/v1\/workspaces\/[^/]+\/log$/.test(path);
    if (!isCommit && !isAppend) return this.inner(input, init);
    const body = JSON.parse(String(init?.body)) as {
      change?: StoreChangeSent;
      bundle?: { change: StoreChangeSent };
      entries?: unknown[];
    };
    const note: SentCommit | SentAppend = isCommit
      ? {
          seq: this.#next++,
          change: body.change ?? (body.bundle as { change: StoreChangeSent }).change,
          outcome: 'pending',
        }
      : { entries: body.entries ?? [], outcome: 'pending' };
    if (isCommit) this.commits.push(note as SentCommit);
    else this.appends.push(note as SentAppend);
    let response: Response;
    let text: string;
    try {
      response = await this.inner(input, init);
      text = await response.text();
    } catch (error) {
      note.outcome = 'unknown';
      throw error;
    }
    if (response.ok) {
      const answer = JSON.parse(text) as {
        revision?: number;
        appended?: { seq: number; hash: string }[];
      };
      note.outcome = 'acked';
      if (isCommit) (note as SentCommit).revision = answer.revision;
      else (note as SentAppend).appended = answer.appended;
    } else {
      note.outcome = response.status >= 500 ? 'unknown' : 'refused';
    }
    return new Response(text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
