// The Deepgram and ElevenLabs AI SDK providers have no `baseURL` setting: their URLs are fixed to the
// vendor's origin. A fetch that swaps that origin for the configured one gives them one (a proxy, a
// regional endpoint, a local fake in tests).

export interface BaseUrlFetchOptions {
  /** The origin the provider hard-codes, e.g. `https://api.deepgram.com`. */
  officialOrigin: string;
  /** Where to send the calls instead; a trailing `/v1` is dropped since the provider's paths carry it. */
  baseUrl: string | undefined;
}

export function fetchAtBaseUrl(options: BaseUrlFetchOptions): typeof fetch | undefined {
  if (options.baseUrl === undefined || options.baseUrl === '') return undefined;
  const base = options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const rewritten = url.startsWith(options.officialOrigin)
      ? base + url.slice(options.officialOrigin.length)
      : url;
    return fetch(rewritten, init);
  };
}
