import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';

// One provider's `POST {baseURL}/chat/completions` over node:http(s), with its own keep-alive agent:
// connections stay open between calls, so a reply costs no TCP or TLS handshake. `lifo` reuses the
// connection used last, the one least likely to have been closed by the server as idle.

/**
 * Idle connections kept open per provider. Node's agent keeps 256 and closes the rest as a burst
 * of concurrent streams ends, so the next burst opened them again: a TCP, and with a real
 * provider a TLS, handshake per stream above 256 (measured: 176 new connections per round of
 * 400 streams). Enough for the 1,000 concurrent streams cai is benchmarked at; an idle connection
 * costs a socket's buffers, and the provider closes the ones it no longer wants.
 */
const MAX_IDLE_CONNECTIONS = 1024;

export interface ChatCompletionsEndpointOptions {
  /** Includes the version path, as the vendors' SDKs take it (`https://api.openai.com/v1`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set (a local server may need none). */
  apiKey?: string;
}

/** A request on its way: tear it down with `outgoing.destroy()`. */
export interface ChatCompletionsCall {
  outgoing: ClientRequest;
  /** The response head; rejects when the connection fails before it arrives. */
  response: Promise<IncomingMessage>;
}

export class ChatCompletionsEndpoint {
  readonly url: string;
  readonly #send: typeof httpRequest;
  readonly #requestOptions: RequestOptions;
  /**
   * The request head as name, value, name, value…: given as a list, node:http writes it as it is,
   * where an object is copied header by header into the request's own map (validated, lowercased,
   * an array per header) and the agent copies every option again; about 1.5 KiB and a dozen
   * calls per reply. A list gets no Host header from node:http, so it carries its own.
   */
  readonly #headers: string[];
  /** After the length, as node:http adds them to an object of headers: the same bytes on the wire. */
  readonly #headersAfterLength: string[];

  constructor(options: ChatCompletionsEndpointOptions) {
    const url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/chat/completions`);
    const secure = url.protocol === 'https:';
    const agentOptions = {
      keepAlive: true,
      maxSockets: Infinity,
      maxFreeSockets: MAX_IDLE_CONNECTIONS,
      scheduling: 'lifo' as const,
    };
    this.url = url.href;
    this.#send = secure ? httpsRequest : httpRequest;
    // Only what a request needs: node:http copies its options twice per request (the request's
    // and the agent's copy), so the URL's hash, search, pathname and href would be copied for nothing.
    const { protocol, hostname, port, path, auth } = urlToHttpOptions(url);
    this.#requestOptions = {
      protocol,
      hostname,
      path,
      ...(port === undefined ? {} : { port }),
      method: 'POST',
      agent: secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions),
    };
    this.#headers = [
      'content-type',
      'application/json',
      // Vendors' support and abuse filters like to see who calls (the AI SDK says `ai-sdk/…`).
      'user-agent',
      'cai',
      ...(options.apiKey ? ['authorization', `Bearer ${options.apiKey}`] : []),
    ];
    this.#headersAfterLength = [
      // The host, with the port unless it is the scheme's default, as node:http writes it.
      'Host',
      url.host,
      // Without a key, the URL's own `user:password@`, as node:http sends it from an object of
      // headers (it does not for a list).
      ...(!options.apiKey && auth ? ['Authorization', `Basic ${Buffer.from(auth).toString('base64')}`] : []),
    ];
  }

  post(body: string): ChatCompletionsCall {
    const outgoing = this.#send({
      ...this.#requestOptions,
      headers: [
        ...this.#headers,
        'content-length',
        String(Buffer.byteLength(body)),
        ...this.#headersAfterLength,
      ],
    });
    // The listener stays for the request's life: a socket error after the response head (the call
    // torn down mid-stream) must not go unhandled; the response's reader sees it.
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      outgoing.once('response', resolve);
      outgoing.on('error', reject);
    });
    outgoing.end(body);
    return { outgoing, response };
  }
}

/** The whole body as text (UTF-8), at most `limit` characters of it. */
export async function readText(response: IncomingMessage, limit = Infinity): Promise<string> {
  response.setEncoding('utf8');
  let text = '';
  for await (const piece of response as AsyncIterable<string>) {
    text += piece;
    if (text.length > limit) return text.slice(0, limit);
  }
  return text;
}
