import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { QueryRunner } from './query-runner.ts';
import type { SyncQueryRunner } from './sqlite-direct-runner.ts';

// Building a Kysely query and compiling it to SQL costs more than SQLite takes to run it, and the
// store's hot queries (those of every chat turn) differ only in their values. A prepared query is
// built and compiled once per database, with a named placeholder where each value goes; running it
// puts this call's values in their places. The SQL is what Kysely makes for the dialect every time,
// so SQLite and PostgreSQL stay behind the one query builder.

/** Stands in for a value while the query is compiled; found again among the compiled parameters. */
class Placeholder {
  constructor(readonly name: string) {}
}

type Slot = { name: string } | { constant: unknown };

export type PlaceholderFactory<Values> = <Name extends keyof Values & string>(name: Name) => Values[Name];

export interface PreparedQuery<Values, Row> {
  /** Runs the query on `runner` (the database, a transaction of it, the direct SQLite path). */
  execute(runner: QueryRunner, values: Values): Promise<QueryResult<Row>>;
  /** Runs the query at once, inside a transaction of the direct SQLite path (transactionNow). */
  run(runner: SyncQueryRunner, values: Values): QueryResult<Row>;
}

/**
 * Compiles `build`'s query once. Placeholders may stand only where Kysely takes a plain value
 * that becomes one bound parameter (a column value, the right side of a comparison, a limit);
 * each must be used at least once, and a value that changes the SQL's shape (a list for `in`,
 * a `null` compared with `is`) cannot be one.
 */
export function prepareQuery<Values extends object, Row>(
  build: (placeholder: PlaceholderFactory<Values>) => Compilable<Row>,
): PreparedQuery<Values, Row> {
  const used = new Set<string>();
  const placeholder = ((name: string) => {
    used.add(name);
    return new Placeholder(name);
  }) as PlaceholderFactory<Values>;
  const compiled = build(placeholder).compile();
  const slots: Slot[] = compiled.parameters.map((parameter) =>
    parameter instanceof Placeholder ? { name: parameter.name } : { constant: parameter },
  );
  for (const name of used) {
    if (!slots.some((slot) => 'name' in slot && slot.name === name)) {
      throw new Error(`Placeholder ${name} did not become a bound parameter of: ${compiled.sql}`);
    }
  }
  // Per slot, the value's name, or undefined where the compiled constant stays.
  const names = slots.map((slot) => ('name' in slot ? slot.name : undefined));
  const constants = slots.map((slot) => ('name' in slot ? undefined : slot.constant));
  const { sql, query, queryId } = compiled;
  /** The compiled query with these values in their places (a plain loop: it runs for every query). */
  function withValues(values: Values): CompiledQuery<Row> {
    const named = values as Record<string, unknown>;
    const parameters: unknown[] = new Array(names.length);
    for (let index = 0; index < names.length; index += 1) {
      const name = names[index];
      parameters[index] = name === undefined ? constants[index] : named[name];
    }
    return { sql, query, queryId, parameters };
  }
  return {
    execute: (runner, values) => runner.executeQuery<Row>(withValues(values)),
    run: (runner, values) => runner.runQuery<Row>(withValues(values)),
  };
}
