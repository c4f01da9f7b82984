import { defineHandler } from '../model/handlers';
import type { FinalizeInput, FinalizeOutput } from './contract';

/** The finalizer step: verify-aware note, workflow and fields on the finding, then SNS. */
export const finalizeHandler = defineHandler<FinalizeInput, FinalizeOutput>({
  id: 'hubfix.finalize',
  description: 'Record the outcome on the Security Hub finding (RESOLVED only when verified) and publish the notification.',
  permissions: [
    { action: 'ssm:GetAutomationExecution' },
    { action: 'securityhub:BatchUpdateFindings' },
    { action: 'sns:Publish' },
  ],
  outputs: { Status: 'String', Verified: 'Boolean', Workflow: 'String', Summary: 'String' },
  async run(): Promise<FinalizeOutput> {
    throw new Error('finalizer not implemented yet');
  },
});
