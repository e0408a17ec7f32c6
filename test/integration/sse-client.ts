// A minimal Server-Sent Events reader over a fetch Response, for the integration tests: yields
// each `event:` / `data:` frame as it arrives, so a test can act in the middle of a stream.

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

export async function* readEvents(response: Response): AsyncGenerator<SseEvent> {
  if (response.body === null) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      let boundary = buffered.indexOf('\n\n');
      while (boundary !== -1) {
        const frame = buffered.slice(0, boundary);
        buffered = buffered.slice(boundary + 2);
        const parsed = parseFrame(frame);
        if (parsed) yield parsed;
        boundary = buffered.indexOf('\n\n');
      }
    }
  } finally {
    reader.releaseLock();
  }
}

export async function collectEvents(response: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readEvents(response)) events.push(event);
  return events;
}

function parseFrame(frame: string): SseEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith('event:')) event = line.slice('event:'.length).trim();
    else if (line.startsWith('data:')) data.push(line.slice('data:'.length).trimStart());
  }
  if (data.length === 0) return undefined;
  return { event, data: JSON.parse(data.join('\n')) as Record<string, unknown> };
}

/** The text of every delta, joined: what the client was sent. */
export function deltaText(events: SseEvent[]): string {
  return events
    .filter((event) => event.event === 'delta')
    .map((event) => String(event.data['content']))
    .join('');
}
