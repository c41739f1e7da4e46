import type { Db } from './db.ts';

// NB: `any[]`, not `unknown[]`: a function taking (db, tag: string) must fit here.
// deno-lint-ignore no-explicit-any
type DbFunction = (db: Db, ...args: any[]) => unknown;
type Unbound<F> = F extends (db: Db, ...args: infer A) => infer R ? (...args: A) => R : never;

/** The functions of a store with its database bound: what the domain calls. */
export type Bound<M extends Record<string, DbFunction>> = { readonly [K in keyof M]: Unbound<M[K]> };

/**
 * Binds a table group's query functions to one database, so that callers outside storage hold
 * a store and never the database itself.
 */
export function bindDb<M extends Record<string, DbFunction>>(db: Db, fns: M): Bound<M> {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(fns)) out[name] = (...args: unknown[]) => fn(db, ...args);
  return out as Bound<M>;
}
