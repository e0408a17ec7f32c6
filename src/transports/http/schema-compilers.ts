import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

// cai validates with zod (validation.ts) and gives Fastify no JSON schemas, yet Fastify loads its
// schema compilers (Ajv with its formats, fast-json-stringify) when the server is made: heap and
// code that no route uses. These factories load them on first use instead, from Fastify's own
// dependencies, so a route given a schema later still gets exactly Fastify's defaults.

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;
type Selector = (...args: unknown[]) => unknown;

const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));

/** The compiler factory a package exports, made on the first call and kept. */
function loadedOnFirstUse(packageName: string): Selector {
  let selector: Selector | undefined;
  return (...args) => {
    selector ??= (requireFromFastify(packageName) as () => Selector)();
    return selector(...args);
  };
}

// Cast: Fastify types these as the packages' own factory types, which are what they return.
export const lazySchemaCompilers = {
  buildValidator: loadedOnFirstUse('@fastify/ajv-compiler'),
  buildSerializer: loadedOnFirstUse('@fastify/fast-json-stringify-compiler'),
} as unknown as CompilersFactory;
