import { shippedCatalog } from '../src/compiler';
import type { Catalog } from '../src/compiler/catalog';

/**
 * The catalog the orchestrator decides with. Here it is compiled from the runbooks; in the Lambda
 * bundle this module is replaced by the catalog.json the build wrote (src/compiler/bundle.ts), so a
 * cold start neither loads nor compiles a runbook.
 */
export function orchestratorCatalog(): Catalog {
  return shippedCatalog();
}
