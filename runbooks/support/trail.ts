import { hasErrorCode } from '../../src/aws/invoker';
import { permissionFor } from '../../src/iam/actions';
import type { ScriptContext } from '../../src/model/handlers';
import { param, patterns } from '../../src/model/parameters';
import type { Extraction } from '../../src/model/runbook';
import { parseArn } from './arn';

/** The GetTrail fields hubfix's CloudTrail runbooks look at. */
export interface Trail {
  Name: string;
  TrailARN: string;
  HomeRegion: string;
  S3BucketName?: string;
  S3KeyPrefix?: string;
  LogFileValidationEnabled?: boolean;
  CloudWatchLogsLogGroupArn?: string;
  CloudWatchLogsRoleArn?: string;
  IsMultiRegionTrail?: boolean;
  IsOrganizationTrail?: boolean;
  KmsKeyId?: string;
}

export type TrailLookup = { found: true; trail: Trail } | { found: false; reason: string };

interface Here {
  account: string;
  region: string;
}

export const GET_TRAIL = permissionFor('cloudtrail', 'GetTrail');

/**
 * Why a trail cannot be changed from this account and Region, or undefined when it can.
 * CloudTrail changes a trail only in its home Region, by its owner: an organization trail seen
 * from a member account, or a multi-Region trail seen outside its home Region, is fixed where it
 * lives. Pure.
 */
export function trailPlacementProblem(
  trailArn: string,
  homeRegion: string | undefined,
  here: Here,
  isOrganizationTrail = false,
): string | undefined {
  const arn = parseArn(trailArn);
  const owner = arn?.account;
  const home = homeRegion || arn?.region || '';
  if (owner && owner !== here.account) {
    const what = isOrganizationTrail
      ? `an organization trail seen from member account ${here.account}`
      : `not the execution account ${here.account}, as an organization trail seen from a member account`;
    return `trail ${trailArn} belongs to account ${owner} (${what}); it must be fixed in account ${owner}, Region ${home}`;
  }
  if (home && home !== here.region) {
    return `trail ${trailArn} has its home Region ${home}; CloudTrail changes a trail only in its home Region, so run this runbook in ${home}`;
  }
  return undefined;
}

/**
 * Find the trail (by name or ARN) and check it can be changed from here. An ARN is checked before
 * any call, so an organization trail's ARN from a member account is skipped without a call that
 * would be denied.
 */
export async function lookUpTrail(ctx: ScriptContext, nameOrArn: string): Promise<TrailLookup> {
  const here = { account: ctx.account, region: ctx.region };
  if (nameOrArn.startsWith('arn:')) {
    const problem = trailPlacementProblem(nameOrArn, undefined, here);
    if (problem) return { found: false, reason: problem };
  }
  let trail: Trail | undefined;
  try {
    const out = await ctx.aws<{ Trail?: Trail }>('cloudtrail', 'GetTrail', { Name: nameOrArn });
    trail = out.Trail;
  } catch (err) {
    if (hasErrorCode(err, 'TrailNotFoundException', 'CloudTrailARNInvalidException', 'InvalidTrailNameException')) {
      return { found: false, reason: `trail ${nameOrArn} was not found in account ${ctx.account}, Region ${ctx.region}` };
    }
    throw err;
  }
  if (!trail) return { found: false, reason: `trail ${nameOrArn} was not found in account ${ctx.account}, Region ${ctx.region}` };
  const problem = trailPlacementProblem(trail.TrailARN, trail.HomeRegion, here, trail.IsOrganizationTrail === true);
  if (problem) return { found: false, reason: problem };
  return { found: true, trail };
}

/** The trail's identity for a before- or after-state. */
export function trailIdentity(trail: Trail): Record<string, string> {
  return {
    TrailName: trail.Name,
    TrailArn: trail.TrailARN,
    HomeRegion: trail.HomeRegion,
    IsMultiRegionTrail: String(trail.IsMultiRegionTrail === true),
    IsOrganizationTrail: String(trail.IsOrganizationTrail === true),
  };
}

/** Where a finding names the trail: its whole ARN (a trail is looked up by ARN outside its home Region). */
export const TRAIL_EXTRACT: Extraction<'TrailName'>[] = [
  {
    parameter: 'TrailName',
    from: 'resourceId',
    resourceType: 'AwsCloudTrailTrail',
    pattern: '^(arn:aws(?:-cn|-us-gov)?:cloudtrail:[a-z0-9-]+:\\d{12}:trail/[A-Za-z0-9][A-Za-z0-9._-]{2,127})$',
  },
];

export const TRAIL_NAME_PARAMETER = param.string({
  description: 'The trail: its ARN (as in the finding) or its name. A name finds only trails of this account in this Region.',
  pattern: patterns.trailNameOrArn,
});
