import { loadConfig } from '../../src/config.ts';
import type { ModelError } from '../../src/models/chat-model.ts';
import { ModelRegistry } from '../../src/models/model-registry.ts';

// Streams one reply from the configured default model, in a process of its own (so that settings
// read at start, such as NODE_EXTRA_CA_CERTS, apply), and prints what came: `{text}` or `{error}`.

const models = new ModelRegistry({ config: loadConfig({ ...process.env, MODEL_MAX_RETRIES: '0' }) });
let text = '';
try {
  for await (const part of models.resolve().stream({
    messages: [{ role: 'user', content: 'Hi there' }],
    signal: AbortSignal.timeout(10_000),
  })) {
    if (part.type === 'text-delta') text += part.text;
  }
  console.log(JSON.stringify({ text }));
} catch (error) {
  const failure = error as ModelError;
  console.log(JSON.stringify({ text, error: { kind: failure.kind, message: failure.message } }));
}
