import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RTCPeerConnection, type RTCIceCandidate, type RTCSessionDescription } from 'werift';
import { SignalingClient, type Frame } from '../support/signaling-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// A real WebRTC call set up through cai: two peers built with werift (a WebRTC implementation in
// Node) exchange offer, answer and ICE candidates over doc 002's signaling, and open a data channel
// that carries a message. Loopback only: no STUN or TURN server (cai is set to hand out none), and
// the only host candidate is 127.0.0.1.

interface Peer {
  connection: RTCPeerConnection;
  signaling: SignalingClient;
}

/** A werift peer that uses the ICE servers cai gave it, signaling through `signaling`. */
function createPeer(signaling: SignalingClient, remotePeerId: string): Peer {
  const connected = signaling.frames[0] as { ice_servers: Array<{ urls: string[] }> };
  const connection = new RTCPeerConnection({
    iceServers: connected.ice_servers,
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
  });
  connection.onicecandidate = ({ candidate }: { candidate?: RTCIceCandidate }) => {
    if (candidate === undefined || candidate === null) return;
    signaling.send({
      type: 'signal',
      to_peer: remotePeerId,
      data: { type: 'candidate', candidate: candidate.toJSON() },
    });
  };
  // Signals are applied one after another: a candidate must wait for the description before it.
  let applying: Promise<void> = Promise.resolve();
  signaling.ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as Frame;
    if (frame['type'] !== 'signal') return;
    applying = applying.then(() => applySignal(connection, signaling, frame));
  });
  return { connection, signaling };
}

async function applySignal(
  connection: RTCPeerConnection,
  signaling: SignalingClient,
  frame: Frame,
): Promise<void> {
  const data = frame['data'] as {
    type: string;
    sdp?: string;
    candidate?: Parameters<RTCPeerConnection['addIceCandidate']>[0];
  };
  const from = String(frame['from_peer']);
  if (data.type === 'offer' || data.type === 'answer') {
    await connection.setRemoteDescription({ type: data.type, sdp: data.sdp ?? '' } as RTCSessionDescription);
    if (data.type === 'offer') {
      await connection.setLocalDescription(await connection.createAnswer());
      const answer = connection.localDescription!;
      signaling.send({ type: 'signal', to_peer: from, data: { type: 'answer', sdp: answer.sdp } });
    }
  } else if (data.type === 'candidate' && data.candidate !== undefined) {
    await connection.addIceCandidate(data.candidate);
  }
}

describe('a WebRTC data channel set up through cai’s signaling', () => {
  let server: TestApp;
  const peers: Peer[] = [];

  beforeAll(async () => {
    server = await startTestApp({ ICE_SERVERS: '[]' });
  });
  afterAll(async () => {
    for (const peer of peers) {
      await peer.connection.close();
      await peer.signaling.close();
    }
    await server?.close();
  });

  it('connects two werift peers that then talk over a data channel', async () => {
    const { apiKey } = await server.createTenant('acme');
    const aliceSignaling = await SignalingClient.connect({
      baseUrl: server.baseUrl,
      peerId: 'alice',
      key: apiKey,
    }).joined();
    const bobSignaling = await SignalingClient.connect({
      baseUrl: server.baseUrl,
      peerId: 'bob',
      key: apiKey,
    }).joined();
    expect(aliceSignaling.frames[0]).toMatchObject({ ice_servers: [] });
    const alice = createPeer(aliceSignaling, 'bob');
    const bob = createPeer(bobSignaling, 'alice');
    peers.push(alice, bob);

    const received = new Promise<string>((resolve) => {
      bob.connection.ondatachannel = ({ channel }) => {
        channel.onmessage = (event) => resolve(String(event.data));
      };
    });
    const channel = alice.connection.createDataChannel('chat');
    channel.onopen = () => channel.send('hello through cai');
    await alice.connection.setLocalDescription(await alice.connection.createOffer());
    aliceSignaling.send({
      type: 'signal',
      to_peer: 'bob',
      data: { type: 'offer', sdp: alice.connection.localDescription!.sdp },
    });

    expect(await received).toBe('hello through cai');
    expect(alice.connection.connectionState).toBe('connected');
    // Every candidate either side offered was a loopback one.
    const candidates = [...aliceSignaling.frames, ...bobSignaling.frames]
      .filter((frame) => frame['type'] === 'signal')
      .map((frame) => frame['data'] as { type: string; candidate?: { candidate: string } })
      .filter((data) => data.type === 'candidate')
      .map((data) => data.candidate?.candidate ?? '');
    expect(candidates.length).toBeGreaterThan(0);
    expect(candidates.every((line) => line === '' || line.includes(' 127.0.0.1 '))).toBe(true);
    expect([...aliceSignaling.ofType('error'), ...bobSignaling.ofType('error')]).toEqual([]);
  });
});
