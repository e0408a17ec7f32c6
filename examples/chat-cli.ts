// A tiny terminal chat over cai's WebSocket protocol (doc 000) with @cai/sdk: replies stream in as
// they are written; Ctrl+C while a reply streams interrupts it (barge-in), Ctrl+C at the prompt
// quits. If the connection drops, the SDK reconnects and resumes, and the reply continues where it
// was, with nothing lost or repeated.
//
// Run it against a cai server (`npm start`, then `npx cai tenant create --name demo --json`, which
// prints the tenant_id and api_key):
//
//   CAI_URL=ws://localhost:8000 CAI_API_KEY=cai_… CAI_ORG_ID=<tenant_id> npx tsx examples/chat-cli.ts
//
// CAI_URL defaults to ws://localhost:8000; CAI_MODEL picks a model (`provider:model`).

import { createInterface } from 'node:readline/promises';
import { CaiSocket, isCaiError, type Completion } from '../packages/sdk/src/index.ts';

const apiKey = process.env['CAI_API_KEY'];
const orgId = process.env['CAI_ORG_ID'];
if (!apiKey || !orgId) {
  console.error('Set CAI_API_KEY and CAI_ORG_ID (from `npx cai tenant create --name demo --json`).');
  process.exit(2);
}
const model = process.env['CAI_MODEL'];

const socket = new CaiSocket({ url: process.env['CAI_URL'] ?? 'ws://localhost:8000', apiKey, orgId });
socket.on('reconnecting', ({ attempt, delayMs }) =>
  console.error(`\n[connection lost; retry ${attempt} in ${delayMs} ms]`),
);
socket.on('resumed', ({ replayed }) => console.error(`[resumed; ${replayed} missed messages replayed]`));
socket.on('resume-failed', () => console.error('[session lost; starting afresh]'));
socket.on('closed', ({ error }) => {
  if (error) console.error(`[closed: ${error.message}]`);
});

try {
  await socket.connect();
} catch (error) {
  console.error(isCaiError(error) ? `${error.code}: ${error.message}` : error);
  process.exit(1);
}
console.log(`connected (conversation ${socket.conversationId}); type a message, Ctrl+C to quit\n`);

const terminal = createInterface({ input: process.stdin, output: process.stdout, prompt: 'you: ' });
let streaming: Completion | undefined;
terminal.on('SIGINT', () => {
  if (streaming !== undefined) streaming.interrupt();
  else terminal.close();
});

// Lines typed (or piped) while a reply streams wait their turn.
terminal.prompt();
for await (const line of terminal) {
  const prompt = line.trim();
  if (prompt === '') {
    terminal.prompt();
    continue;
  }
  const completion = socket.complete(prompt, {
    ...(model === undefined ? {} : { model }),
    ...(socket.conversationId === undefined ? {} : { conversationId: socket.conversationId }),
  });
  streaming = completion;
  process.stdout.write('assistant: ');
  try {
    for await (const chunk of completion.chunks()) process.stdout.write(chunk);
    const result = await completion.result;
    console.log(result.finishReason === 'stop' ? '\n' : `\n[${result.finishReason}]\n`);
  } catch (error) {
    console.error(`\n[${isCaiError(error) ? `${error.code}: ${error.message}` : String(error)}]\n`);
  } finally {
    streaming = undefined;
  }
  if (socket.state === 'closed') break;
  terminal.prompt();
}
terminal.close();
socket.close();
