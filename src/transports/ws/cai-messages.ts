import { z } from 'zod';
import { AppError } from '../../core/errors.ts';

// Doc 000's client messages (DESIGN.md "Doc 000, `WS /`"), validated at the edge: a frame either
// becomes one typed message or an INVALID_REQUEST that says what was wrong with it.

const requestId = z.string().min(1).max(200);
const nonBlank = z.string().refine((value) => value.trim() !== '', { message: 'must not be empty' });

export const PACES = ['stream', 'sentence'] as const;
export type Pace = (typeof PACES)[number];

const schemas = {
  COMPLETION: z.object({
    type: z.literal('COMPLETION'),
    requestId: requestId.optional(),
    payload: z.object({
      prompt: nonBlank,
      /** `default` (the document's example) and absence both mean the default model. */
      model: z.string().min(1).optional(),
      conversationId: z.string().min(1).optional(),
      system: z.string().optional(),
      pace: z.enum(PACES).optional(),
    }),
  }),
  INTERRUPTED: z.object({ type: z.literal('INTERRUPTED'), requestId: requestId.optional() }),
  SENTENCE_COMPLETED: z.object({
    type: z.literal('SENTENCE_COMPLETED'),
    requestId,
    index: z.number().int().nonnegative(),
  }),
  AWAIT_MORE: z.object({ type: z.literal('AWAIT_MORE'), requestId }),
  RESUME: z.object({
    type: z.literal('RESUME'),
    connectionId: z.string().min(1),
    lastSeq: z.number().int().nonnegative(),
  }),
  PING: z.object({ type: z.literal('PING') }),
} as const;

export type CaiMessageType = keyof typeof schemas;
export const CAI_MESSAGE_TYPES = Object.keys(schemas) as CaiMessageType[];

export type CaiClientMessage = { [Type in CaiMessageType]: z.infer<(typeof schemas)[Type]> }[CaiMessageType];
export type CompletionMessage = z.infer<typeof schemas.COMPLETION>;
export type ResumeMessage = z.infer<typeof schemas.RESUME>;

export type ParsedFrame =
  | { ok: true; message: CaiClientMessage }
  /** `requestId` when the frame named one, so the error can carry it. */
  | { ok: false; error: AppError; requestId?: string };

export function parseCaiFrame(text: string): ParsedFrame {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return invalid('The message is not valid JSON.');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return invalid('The message must be a JSON object with a "type".');
  }
  const record = data as Record<string, unknown>;
  const named = typeof record['requestId'] === 'string' ? record['requestId'] : undefined;
  const type = record['type'];
  if (type === undefined) return invalid('Missing field "type".', named);
  if (typeof type !== 'string' || !(type in schemas)) {
    return invalid(
      `Unknown message type ${JSON.stringify(type)}; expected one of ${CAI_MESSAGE_TYPES.join(', ')}.`,
      named,
    );
  }
  const parsed = schemas[type as CaiMessageType].safeParse(data);
  if (parsed.success) return { ok: true, message: parsed.data as CaiClientMessage };
  const problems = parsed.error.issues.map(describeIssue).join(' ');
  return invalid(`Invalid ${type} message: ${problems}`, named);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.map(String).join('.');
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return `Missing field "${field}" (${issue.expected}).`;
  }
  return `Field "${field}": ${issue.message}.`;
}

function invalid(message: string, requestId?: string): ParsedFrame {
  return {
    ok: false,
    error: new AppError('INVALID_REQUEST', { message }),
    ...(requestId === undefined ? {} : { requestId }),
  };
}
