/**
 * The shapes the SDK's store service shares with its operations and its faces (`client.entry`,
 * `client.namespace`, `client.vault`): options, results, what an operation hands to the run loop
 * (`StoreRunner`, implemented by `service.ts`), and the "no store yet" error. Types only (and one
 * error factory): the operation files depend on this, never on `service.ts`, so there is no cycle.
 */
import type { StoreEntrySelection } from '../../api/store.js';
import { BackboneError } from '../../errors.js';
import type {
  AccessBit,
  GrantInfo,
  ListingMemo,
  RotationBundle,
  RotationReport,
  StoreChange,
  StoreContext,
  StoreView,
} from '../../store/index.js';

/** Commit attempts before a conflict is reported. */
export const STORE_ATTEMPTS = 5;

export interface StoreOptions {
  workspaceId?: string;
  /** Commit attempts on `STORE_CONFLICT` (default 5; 1 = report the first conflict). */
  attempts?: number;
}

/** A namespace (folder) or an entry (value). */
export type TargetKind = 'namespace' | 'entry';

/** An entry's value as text, with its version, writer and expiry. */
export interface EntryInfo {
  key: string;
  value: string;
  version: number;
  writer: string;
  expiresAt: string | null;
}

/** What a deletion that keeps the value (for an undo) returns. */
export interface TakenEntry {
  path: string;
  /** The value it had (wipe it when done). */
  value: Uint8Array;
  version: number;
  expiresAt: string | null;
}

export interface SharingInfo {
  path: string;
  kind: TargetKind;
  /** Grants on exactly this namespace or entry. */
  grants: GrantInfo[];
  /** Every current member and their effective bits here (inherited ones too). */
  members: Array<{ name: string; access: AccessBit[] }>;
  you: string;
  yourAccess: AccessBit[];
}

export interface RevokeOutcome {
  /** What the rotation did. */
  report: RotationReport;
  /** The sharing view after the revocation. */
  sharing: SharingInfo;
  /** The grantee's bits here before and after. */
  before: AccessBit[];
  after: AccessBit[];
  /**
   * Namespaces (ending in "/") and entries at or below the path the grantee can still read after
   * it (through other grants), as far as you can see their paths.
   */
  stillReadable: string[];
  /** Paths outside this one where the grantee still holds a valid grant (as far as you see). */
  elsewhere: string[];
  /** Grants of the grantee elsewhere on things whose path you cannot see. */
  elsewhereHidden: number;
}

/** What a model operation returns to commit: a change set, a signed rotation, or nothing. */
export type StoreCommitBody = { change: StoreChange } | { bundle: RotationBundle };

/** One attempt's result and what to commit for it (null: a read). */
export interface Prepared<T> {
  result: T;
  commit: StoreCommitBody | null;
}

/** The records of one attempt, parsed by the model. */
export interface OpenedRecords {
  view: StoreView;
  /** Token → version of a deleted entry (the next write there continues after it). */
  tombstones: Record<string, number>;
}

/** What an operation's model step gets: the records, and the workspace's listing memo. */
export interface RunRecords extends OpenedRecords {
  /** What listings remembered for this workspace (in memory; see `ListingMemo`). */
  memo: ListingMemo;
}

export type Select = (ctx: StoreContext) => StoreEntrySelection;
export type Prepare<T> = (ctx: StoreContext, records: RunRecords) => Prepared<T>;

/** The run loop every operation goes through (`StoreService`). */
export interface StoreRunner {
  /**
   * One operation: context, records (`select` may look at the context), the model step
   * (`prepare`), the commit — again with fresh records on a server `STORE_CONFLICT`.
   * `finishRetokenizing` (default true): finish an interrupted re-tokenizing first.
   */
  run<T>(
    options: StoreOptions,
    select: Select,
    prepare: Prepare<T>,
    finishRetokenizing?: boolean,
  ): Promise<T>;
  /**
   * `run` for a write that needs the store's root namespace: when there is none, a ROOT member
   * creates it first; anyone else gets `noStore()`.
   */
  runWithRoot<T>(options: StoreOptions, select: Select, prepare: Prepare<T>): Promise<T>;
  /** Creates the root namespace if the store has none (needs ROOT). */
  ensureRoot(options: StoreOptions): Promise<void>;
  /** What listings remembered for a workspace on the pinned server (in memory). */
  memo(workspaceId: string): Promise<ListingMemo>;
}

export function noStore(): BackboneError {
  return new BackboneError(
    'STORE_NOT_FOUND',
    'This workspace has no store yet. An administrator (ROOT) creates it with the first write.',
  );
}
