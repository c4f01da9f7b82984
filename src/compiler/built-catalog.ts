import type { Catalog } from './catalog';
import { shippedCatalog } from './index';

/**
 * The shipped catalog as the build wrote it. Run from the sources, this compiles the runbooks; in
 * the Lambda bundles this module is replaced by the catalog.json the build wrote
 * (src/compiler/bundle.ts), so neither the orchestrator nor the step runner's finalizer compiles a
 * runbook when it starts.
 */
export function builtCatalog(): Catalog {
  return shippedCatalog();
}
