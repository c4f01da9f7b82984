import { builtCatalog } from '../src/compiler/built-catalog';
import type { Catalog } from '../src/compiler/catalog';

/**
 * The catalog the orchestrator decides with: the one the build wrote (in the Lambda bundle,
 * catalog.json; see src/compiler/built-catalog.ts), so a cold start neither loads nor compiles a
 * runbook.
 */
export function orchestratorCatalog(): Catalog {
  return builtCatalog();
}
