import { z } from 'zod';
import '../zod-setup.ts';

// The models a user may pick, from `GET /v1/models` (the server's default first).

const modelListReply = z.object({
  data: z.array(z.object({ id: z.string().min(1), owned_by: z.string().optional() })),
});

export interface ModelChoice {
  id: string;
  provider: string;
}

export async function fetchModels(options: {
  httpBase: string;
  token: string;
  signal?: AbortSignal;
}): Promise<ModelChoice[]> {
  const response = await fetch(`${options.httpBase}/v1/models`, {
    headers: { authorization: `Bearer ${options.token}` },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (!response.ok) throw new Error(`The model list could not be loaded (HTTP ${response.status}).`);
  return parseModelList(await response.json());
}

export function parseModelList(body: unknown): ModelChoice[] {
  const parsed = modelListReply.parse(body);
  return parsed.data.map((model) => ({
    id: model.id,
    provider: model.owned_by ?? model.id.slice(0, Math.max(0, model.id.indexOf(':'))),
  }));
}

/** A readable name for `provider:model`. */
export function modelLabel(id: string): string {
  if (id === 'builtin:offline-stand-in') return 'Built-in stand-in';
  return id;
}
