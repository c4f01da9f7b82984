import { defineHandler } from '../src/model/handlers';
import { PLAN_OUTPUTS, type PlanResult, VERIFY_OUTPUTS, type VerifyResult, phaseBody } from '../src/model/phases';
import { defineRunbook } from '../src/model/runbook';
import { executeAwsApi, script } from '../src/model/steps';
import { GET_TRAIL, TRAIL_EXTRACT, TRAIL_NAME_PARAMETER, type Trail, lookUpTrail, trailIdentity } from './support/trail';

/** What the plan decides for a trail found in its home Region. Pure. */
export function logValidationDecision(trail: Trail): { decision: 'remediate' | 'compliant'; summary: string } {
  if (trail.LogFileValidationEnabled === true) {
    return { decision: 'compliant', summary: `trail ${trail.Name}: log file validation is already on; nothing to change` };
  }
  return {
    decision: 'remediate',
    summary: `trail ${trail.Name}: log file validation is off; will turn it on (UpdateTrail EnableLogFileValidation=true)`,
  };
}

type PlanOutput = PlanResult & { TrailArn: string };

export const planLogValidation = defineHandler<{ TrailName: string }, PlanOutput>({
  id: 'cloudtrailLogValidation.plan',
  description: 'Find the trail, check it can be changed here (owner account, home Region), read its log file validation setting.',
  permissions: [GET_TRAIL],
  outputs: { ...PLAN_OUTPUTS, TrailArn: 'String' },
  async run({ TrailName }, ctx) {
    const found = await lookUpTrail(ctx, TrailName);
    if (!found.found) return { Decision: 'skip', Before: { Trail: TrailName }, Summary: `skipped: ${found.reason}`, TrailArn: '' };
    const { trail } = found;
    const { decision, summary } = logValidationDecision(trail);
    return {
      Decision: decision,
      Before: { ...trailIdentity(trail), LogFileValidationEnabled: String(trail.LogFileValidationEnabled === true) },
      Summary: summary,
      TrailArn: trail.TrailARN,
    };
  },
});

export const verifyLogValidation = defineHandler<{ TrailArn: string }, VerifyResult>({
  id: 'cloudtrailLogValidation.verify',
  description: 'Read the live trail and check log file validation is on.',
  permissions: [GET_TRAIL],
  outputs: VERIFY_OUTPUTS,
  async run({ TrailArn }, ctx) {
    const found = await lookUpTrail(ctx, TrailArn);
    if (!found.found) return { Verified: false, After: { Trail: TrailArn }, Unmet: found.reason };
    const enabled = found.trail.LogFileValidationEnabled === true;
    return {
      Verified: enabled,
      After: { ...trailIdentity(found.trail), LogFileValidationEnabled: String(enabled) },
      Unmet: enabled ? '' : 'log file validation is still off',
    };
  },
});

export const cloudTrailLogValidationRunbook = defineRunbook({
  document: 'Hubfix-CloudTrail-LogFileValidation',
  title: 'CloudTrail log file validation is enabled',
  class: 'A',
  defaultMode: 'auto',
  scope: 'resource',
  resourceType: 'AwsCloudTrailTrail',
  changes:
    'Turns on log file validation (UpdateTrail EnableLogFileValidation=true) on the trail, in its home Region; changes nothing else.',
  guidance:
    'Turn on log file validation for the trail in its home Region (CloudTrail console → Trails → the trail → Edit → Log file validation: Enabled). An organization trail is changed from the management account.',
  description: `# Hubfix: CloudTrail log file validation (CIS 1.2.0 2.2)

Turns on log file integrity validation for one trail, so CloudTrail writes signed digest files that prove whether a log file was changed or deleted after delivery.

1. **Plan** reads the trail with \`GetTrail\`. A trail owned by another account (an organization trail seen from a member account) or whose home Region is not this Region is **skipped** with the reason: CloudTrail changes a trail only in its home Region, by its owner. The before-state (\`Plan.Before\`) records the setting.
2. **Gate**: with \`DryRun\` true, or when validation is already on, nothing is written.
3. **EnableValidation** calls \`UpdateTrail\` with \`EnableLogFileValidation=true\` and nothing else, so every other setting of the trail stays as it is. Running it again changes nothing.
4. **Verify** reads the trail again and checks \`LogFileValidationEnabled\`.
5. **Finalize** records the outcome on the finding (RESOLVED only when verified) and notifies.

\`TrailName\` takes the trail's name or ARN; the ARN (what the finding carries) is needed for a trail seen outside its home Region.

To undo: \`aws cloudtrail update-trail --name <TrailArn> --no-enable-log-file-validation --region <HomeRegion>\` (values from \`Plan.Before\`).`,
  controls: [
    {
      id: 'CloudTrail.4',
      title: 'CloudTrail log file validation should be enabled',
      aliases: { 'cis-1.2.0': ['2.2'], 'cis-1.4.0': ['3.2'], 'cis-3.0.0': ['3.2'] },
      fsbp: true,
    },
  ],
  extract: TRAIL_EXTRACT,
  parameters: { TrailName: TRAIL_NAME_PARAMETER },
  body(p) {
    const plan = script({
      name: 'Plan',
      description: 'Find the trail, check owner and home Region, read the validation setting (before-state).',
      handler: planLogValidation,
      input: { TrailName: p.TrailName },
    });
    const enable = executeAwsApi({
      name: 'EnableValidation',
      description: 'UpdateTrail with EnableLogFileValidation=true only.',
      service: 'cloudtrail',
      api: 'UpdateTrail',
      params: { Name: plan.out.TrailArn, EnableLogFileValidation: true },
    });
    const verify = script({
      name: 'Verify',
      description: 'Read the live trail and check log file validation is on.',
      handler: verifyLogValidation,
      input: { TrailArn: plan.out.TrailArn },
    });
    return phaseBody({ plan, remediate: [enable], verify });
  },
});
