import { RUNBOOKS } from '../../runbooks';
import type { Runbook } from '../model/runbook';
import type { AnyHandler } from '../model/handlers';
import { buildCatalog, type Catalog } from './catalog';
import { type CompiledRunbook, compileRunbook } from './compile';

export type { CompiledRunbook } from './compile';

let cache: { runbooks: CompiledRunbook[]; catalog: Catalog } | undefined;

/** Compile the given runbooks (all shipped ones by default). Pure apart from the cache. */
export function compileAll(runbooks: readonly Runbook[] = RUNBOOKS): CompiledRunbook[] {
  if (runbooks === RUNBOOKS) return shipped().runbooks;
  return runbooks.map(compileRunbook);
}

function shipped(): { runbooks: CompiledRunbook[]; catalog: Catalog } {
  if (!cache) {
    const runbooks = RUNBOOKS.map(compileRunbook);
    cache = { runbooks, catalog: buildCatalog(runbooks) };
  }
  return cache;
}

/** The catalog of the shipped runbooks. */
export function shippedCatalog(): Catalog {
  return shipped().catalog;
}

/** A shipped runbook by document name. */
export function findCompiled(name: string): CompiledRunbook | undefined {
  return shipped().runbooks.find((r) => r.name === name);
}

/** Every script handler the step runner bundles, by id. */
export function handlerRegistry(compiled: readonly CompiledRunbook[] = shipped().runbooks): Map<string, AnyHandler> {
  const map = new Map<string, AnyHandler>();
  for (const c of compiled) for (const h of c.handlers) map.set(h.id, h);
  return map;
}
