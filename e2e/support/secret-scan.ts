/**
 * The renderer secret scan over end-to-end cores: every recorded frame of every core, searched
 * for every secret that any of the cores registered (src-shared/test/secret-scan.ts has the
 * encodings and alignments). A core's frames include its renderer's requests and the core's
 * answers and events, so a secret found anywhere crossed the boundary in one direction or the
 * other.
 */
import {
  parseKeyRegistry,
  parseRecordedFrames,
  scanFrames,
  type ScanFinding,
  type ScanSecret,
} from '../../src-shared/test/secret-scan.js';
import type { CoreEvidence } from '../cores.js';

export interface CoreScanFinding extends ScanFinding {
  core: string;
  direction: 'in' | 'out';
  /** The invoke's channel, or the event's name. */
  channel: string;
}

export interface CoreScan {
  findings: CoreScanFinding[];
  secrets: ScanSecret[];
  /** Frames searched, per core. */
  frames: Record<string, number>;
}

function channelsOf(frames: Array<{ direction: 'in' | 'out'; frame: string }>): string[] {
  const channelOf = new Map<number, string>();
  return frames.map(({ direction, frame }) => {
    const parsed = JSON.parse(frame) as {
      type?: string;
      id?: number;
      channel?: string;
      event?: string;
    };
    if (direction === 'in' && parsed.type === 'invoke' && parsed.id !== undefined) {
      channelOf.set(parsed.id, String(parsed.channel));
      return String(parsed.channel);
    }
    if (parsed.type === 'result') return channelOf.get(parsed.id ?? -1) ?? '?';
    return parsed.type === 'event' ? `event ${parsed.event}` : String(parsed.type);
  });
}

/** Scans the traffic of each core for the secrets of all of them. */
export function scanCores(evidence: readonly CoreEvidence[]): CoreScan {
  const secrets = parseKeyRegistry(evidence.map((e) => e.registry).join('\n'));
  const findings: CoreScanFinding[] = [];
  const frames: Record<string, number> = {};
  for (const core of evidence) {
    const recorded = parseRecordedFrames(core.traffic);
    frames[core.name] = (frames[core.name] ?? 0) + recorded.length;
    const channels = channelsOf(recorded);
    for (const finding of scanFrames(
      recorded.map((r) => r.frame),
      secrets,
    )) {
      findings.push({
        ...finding,
        core: core.name,
        direction: recorded[finding.frame]!.direction,
        channel: channels[finding.frame]!,
      });
    }
  }
  return { findings, secrets, frames };
}

/** One line per finding, for an assertion message (kinds and places, never the secret). */
export function describeFindings(findings: readonly CoreScanFinding[]): string {
  return findings
    .map(
      (f) =>
        `${f.kind} as ${f.encoding} in ${f.core}'s ${f.direction} frame ${f.frame} (${f.channel})`,
    )
    .join('\n');
}
