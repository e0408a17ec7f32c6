import { z } from 'zod';
import type { Presence } from '../bus/bus.ts';

// Where signaling peers are recorded on the bus's presence, so that every process sees every peer
// and a dead process's peers lapse with its time-to-live (docs/scaling.md). Two groups:
// - per company: member = peer id, data = which connection holds it now (for relays, absent
//   targets and `GET /webrtc/peers`);
// - all peers: member = `{company}/{peer}`, data = the details `GET /webrtc/stats` reports.

export const ALL_PEERS_GROUP = 'signaling:peers';

export function companyGroup(companyId: string): string {
  return `signaling:company:${companyId}`;
}

export function allPeersMember(companyId: string, peerId: string): string {
  return `${companyId}/${peerId}`;
}

/** In the company group: the membership that holds the peer id now. */
export const companyEntry = z.object({ membership_id: z.string().min(1), connected_at: z.string() });
export type CompanyEntry = z.infer<typeof companyEntry>;

/** In the all-peers group: doc 002's `peer_details`, without `is_connected` (always true here). */
export const peerDetails = z.object({
  peer_id: z.string(),
  company_id: z.string(),
  connected_at: z.string(),
  last_activity: z.string(),
  message_count: z.number().int().min(0),
});
export type PeerDetails = z.infer<typeof peerDetails>;

/** The membership now holding `peerId` in the company, if the peer is connected anywhere. */
export async function findPeer(
  presence: Presence,
  address: { companyId: string; peerId: string },
): Promise<CompanyEntry | undefined> {
  const data = await presence.get(companyGroup(address.companyId), address.peerId);
  if (data === undefined) return undefined;
  const parsed = companyEntry.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** The peer ids connected in the company, on every process, sorted. */
export async function listCompanyPeers(presence: Presence, companyId: string): Promise<string[]> {
  const members = await presence.list(companyGroup(companyId));
  return members.map((entry) => entry.member).sort();
}

export interface SignalingStats {
  total_peers: number;
  total_companies: number;
  peers_by_company: Record<string, number>;
  peer_details: Array<PeerDetails & { is_connected: true }>;
}

/** Doc 002's `GET /webrtc/stats`: every connected peer of every company, on every process. */
export async function signalingStats(presence: Presence): Promise<SignalingStats> {
  const members = await presence.list(ALL_PEERS_GROUP);
  const details = members
    .map((entry) => peerDetails.safeParse(entry.data))
    .filter((parsed) => parsed.success)
    .map((parsed) => ({ ...parsed.data, is_connected: true as const }))
    .sort(
      (left, right) =>
        left.company_id.localeCompare(right.company_id) || left.peer_id.localeCompare(right.peer_id),
    );
  const peersByCompany: Record<string, number> = {};
  for (const peer of details) peersByCompany[peer.company_id] = (peersByCompany[peer.company_id] ?? 0) + 1;
  return {
    total_peers: details.length,
    total_companies: Object.keys(peersByCompany).length,
    peers_by_company: peersByCompany,
    peer_details: details,
  };
}
