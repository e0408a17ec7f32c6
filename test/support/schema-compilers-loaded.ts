import { createRequire } from 'node:module';
import Fastify from 'fastify';
import { lazySchemaCompilers } from '../../src/transports/http/schema-compilers.ts';
import { startTestApp } from './test-app.ts';

// Run in a process of its own by schema-compilers.test.ts: whether Fastify's schema compilers are
// in the module cache after cai's own server has started and answered a request, after a bare
// server without schemas is made and ready, and after one with a
// body and a response schema (the validator's and the serializer's). Prints one JSON line.

const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const loaded = () =>
  ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'].filter((name) => {
    const entry = requireFromFastify.resolve(name);
    return requireFromFastify.cache[entry] !== undefined;
  });

const cai = await startTestApp();
const health = await cai.request('/health');
if (health.status !== 200) throw new Error(`/health answered ${health.status}`);
const caiServer = loaded();
await cai.close();

const plain = Fastify({ schemaController: { compilersFactory: lazySchemaCompilers } });
plain.get('/', async () => ({ ok: true }));
await plain.ready();
const withoutSchemas = loaded();

const validated = Fastify({ schemaController: { compilersFactory: lazySchemaCompilers } });
validated.post(
  '/',
  {
    schema: {
      body: { type: 'object', properties: { a: { type: 'integer' } } },
      response: { 200: { type: 'object', properties: { a: { type: 'integer' } } } },
    },
  },
  async () => ({}),
);
await validated.ready();
const withSchema = loaded();
await Promise.all([plain.close(), validated.close()]);
process.stdout.write(`${JSON.stringify({ caiServer, withoutSchemas, withSchema })}\n`);
