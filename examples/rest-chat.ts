// REST + Server-Sent Events with @cai/sdk: make a chat, stream a reply into the terminal, read the
// stored history back, then delete the chat.
//
// Run it against a cai server (`npm start`, then `npx cai tenant create --name demo --json` for a key):
//
//   CAI_URL=http://localhost:8000 CAI_API_KEY=cai_… npx tsx examples/rest-chat.ts "Hello there"
//
// CAI_URL defaults to http://localhost:8000; the prompt defaults to a greeting.

import { CaiClient, isCaiError } from '../packages/sdk/src/index.ts';

const baseUrl = process.env['CAI_URL'] ?? 'http://localhost:8000';
const apiKey = process.env['CAI_API_KEY'];
if (!apiKey) {
  console.error('Set CAI_API_KEY (from `npx cai tenant create --name demo --json`).');
  process.exit(2);
}
const prompt = process.argv.slice(2).join(' ') || 'Hello, how are you?';

const client = new CaiClient({
  baseUrl,
  apiKey,
  onRetry: ({ attempt, delayMs, error }) =>
    console.error(`(retry ${attempt} in ${delayMs} ms: ${error.code})`),
});

try {
  const chat = await client.createChat({ userId: 'example-user', title: 'SDK example' });
  console.log(`chat ${chat.id}\n`);
  console.log(`you: ${prompt}`);
  process.stdout.write('assistant: ');
  for await (const event of client.sendMessageStream(chat.id, { content: prompt })) {
    if (event.type === 'delta') process.stdout.write(event.content);
    if (event.type === 'error') console.error(`\n[model error ${event.error.code}: ${event.error.message}]`);
    if (event.type === 'end') console.log(`\n\n(${event.finish_reason}, model ${event.model})`);
  }

  const history = await client.listMessages(chat.id);
  console.log(
    `\nstored: ${history.messages.map((message) => `${message.role}/${message.status}`).join(', ')}`,
  );
  await client.deleteChat(chat.id);
  console.log('chat deleted');
} catch (error) {
  // Typed errors: AuthError, RateLimitError (retryAfterMs), NotFoundError, ValidationError, …
  if (isCaiError(error)) console.error(`${error.name} ${error.code} (${error.status}): ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
}
