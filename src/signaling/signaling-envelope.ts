import { z } from 'zod';
import type { JsonValue } from '../bus/bus.ts';

// What crosses the bus on a peer's channel (`peer:{companyId}:{peerId}`, src/bus/channels.ts).
// Validated on arrival like any other input: another process may run another version.

/** A signal or message from one peer to another, as the receiving client gets it. */
export type RelayedFrame = {
  type: 'signal' | 'message';
  from_peer: string;
  data: { [key: string]: JsonValue };
};

export type Envelope =
  /** For the membership `to` only: a membership that has been replaced does not pass it on. */
  | { kind: 'relay'; to: string; frame: RelayedFrame }
  /** Membership `by` now holds the peer id; every older membership of it closes. */
  | { kind: 'replaced'; by: string };

const jsonObject = z.record(z.string(), z.json());

const envelope = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('relay'),
    to: z.string().min(1),
    frame: z.object({
      type: z.enum(['signal', 'message']),
      from_peer: z.string().min(1),
      data: jsonObject,
    }),
  }),
  z.object({ kind: z.literal('replaced'), by: z.string().min(1) }),
]);

export function parseEnvelope(message: JsonValue): Envelope | undefined {
  const parsed = envelope.safeParse(message);
  return parsed.success ? (parsed.data as Envelope) : undefined;
}
