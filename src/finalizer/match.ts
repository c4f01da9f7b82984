import type { Catalog } from '../compiler/catalog';
import { resolveControl } from '../findings/control';
import { extractFor } from '../findings/extract';
import { checkIdentity, quote } from '../findings/identity';
import { findingProblem } from '../findings/schema';
import type { AsffFinding } from '../findings/types';

/**
 * Whether a finding is the one a run was for, pure. The run's FindingId is a parameter anyone who
 * starts the automation chooses, so before the finalizer writes an outcome (RESOLVED, above all)
 * it checks the finding itself: its account is the run's, its control is one the run's runbook
 * serves, and the resource parameters hubfix would extract from it are the ones the run acted on,
 * in the run's Region. Returns why not, or undefined when the finding is the run's.
 */

export interface RunFacts {
  document: string;
  account: string;
  region: string;
  /** The run's parameters, single values (`GroupId` → `sg-…`). */
  parameters: Readonly<Record<string, string>>;
}

export function findingMismatch(finding: unknown, run: RunFacts, catalog: Catalog): string | undefined {
  const problem = findingProblem(finding);
  if (problem) return `the finding is not an ASFF finding (${problem})`;
  const f = finding as AsffFinding;
  const identity = checkIdentity(f);
  if (!identity.ok) return identity.detail;
  if (run.account && identity.value.account !== run.account)
    return `the finding belongs to account ${identity.value.account}, the run to ${run.account}`;
  const resolved = resolveControl(f, catalog);
  if (!resolved.ok) return `the finding's control is not one ${run.document} serves (${resolved.detail})`;
  const control = resolved.control;
  if (control.document !== run.document) return `the finding is about ${control.control}, which ${run.document} does not serve`;
  const extracted = extractFor(f, control, identity.value);
  if (!extracted.ok) return `the finding names no resource ${run.document} acts on (${extracted.detail})`;
  if (run.region && extracted.value.region !== run.region)
    return `the finding's resource is in ${extracted.value.region}, the run in ${run.region}`;
  for (const [name, value] of Object.entries(extracted.value.parameters))
    if (run.parameters[name] !== value)
      return `the finding's ${name} is ${quote(value)}, the run's ${quote(run.parameters[name] ?? '(none)')}`;
  return undefined;
}
