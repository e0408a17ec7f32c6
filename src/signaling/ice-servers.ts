import { z } from 'zod';

// ICE_SERVERS: the STUN and TURN servers a signaling client is told to use (doc 002, "WebRTC
// Configuration"), as the JSON a browser's RTCPeerConnection takes in `iceServers`. Validated at
// start, so a typo stops the server instead of breaking every call later.

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** Doc 002's default: Google's public STUN server. */
export const DEFAULT_ICE_SERVERS: IceServer[] = [{ urls: ['stun:stun.l.google.com:19302'] }];

const ICE_URL = /^(stun|stuns|turn|turns):[^\s]+$/;

const iceServer = z
  .object({
    // A browser accepts one URL or several; clients get a list either way.
    urls: z
      .union([z.string(), z.array(z.string()).min(1)])
      .transform((urls) => (Array.isArray(urls) ? urls : [urls]))
      .pipe(z.array(z.string().regex(ICE_URL, { message: 'expected stun:, stuns:, turn: or turns: URLs' }))),
    username: z.string().min(1).optional(),
    credential: z.string().min(1).optional(),
  })
  .strict();

/** The setting's text (a JSON array; `[]` for none) → the servers. */
export const iceServersSetting = z
  .string()
  .trim()
  .transform((text, context): unknown => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({
        code: 'custom',
        message: 'expected JSON such as [{"urls":["stun:stun.l.google.com:19302"]}]',
      });
      return z.NEVER;
    }
  })
  .pipe(z.array(iceServer, { message: 'expected a JSON array of {"urls",…} objects' }));
