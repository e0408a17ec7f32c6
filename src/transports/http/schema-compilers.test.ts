import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazySchemaCompilers } from './schema-compilers.ts';

const run = promisify(execFile);

describe('Fastify schema compilers loaded on first use', () => {
  it("loads neither compiler for cai's server or any without schemas, both once a route has one", async () => {
    // A process of its own: this one's module cache is shared with other tests.
    const script = fileURLToPath(
      new URL('../../../test/support/schema-compilers-loaded.ts', import.meta.url),
    );
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { timeout: 30_000 });
    expect(JSON.parse(stdout.trim())).toEqual({
      caiServer: [],
      withoutSchemas: [],
      withSchema: ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'],
    });
  });

  it("validates and serializes a route's schemas as Fastify's defaults do", async () => {
    const server = Fastify({ schemaController: { compilersFactory: lazySchemaCompilers } });
    server.post(
      '/sum',
      {
        schema: {
          body: {
            type: 'object',
            required: ['a', 'b'],
            properties: { a: { type: 'integer' }, b: { type: 'integer' } },
          },
          response: { 200: { type: 'object', properties: { sum: { type: 'integer' } } } },
        },
      },
      async (request) => {
        const { a, b } = request.body as { a: number; b: number };
        // `secret` is not in the response schema: the serializer leaves it out.
        return { sum: a + b, secret: 'not sent' };
      },
    );
    try {
      const refused = await server.inject({ method: 'POST', url: '/sum', payload: { a: 1, b: 'two' } });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'FST_ERR_VALIDATION', message: 'body/b must be integer' });

      const answered = await server.inject({ method: 'POST', url: '/sum', payload: { a: 1, b: '2' } });
      expect(answered.statusCode).toBe(200);
      // Ajv's default coercion ('2' → 2), and only what the response schema names.
      expect(answered.body).toBe('{"sum":3}');
    } finally {
      await server.close();
    }
  });
});
