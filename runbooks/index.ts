import type { Runbook } from '../src/model/runbook';
import { passwordPolicyRunbook } from './iam-password-policy';

/** Every runbook hubfix ships, in catalog order. Add a runbook here to ship it. */
export const RUNBOOKS: readonly Runbook[] = [passwordPolicyRunbook];
