import { appRouter, type Meta } from '@tekana/api';

// The flat table of procedures by dotted path (`customer.register`), read once.
const procedures = appRouter._def.procedures as unknown as Record<
  string,
  { _def: { meta?: Meta } } | undefined
>;

/** The metadata of a procedure by its dotted path, for the REST envelope. */
export function procedureMeta(path: string | undefined): Meta | undefined {
  return path ? procedures[path]?._def.meta : undefined;
}

/** Every REST-exposed procedure's metadata, for the OpenAPI post-processing. */
export function restProcedureMeta(): Meta[] {
  return Object.values(procedures).flatMap((p) => (p?._def.meta?.openapi ? [p._def.meta] : []));
}
