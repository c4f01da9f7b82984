import type { IamPolicy } from '../iam/actions';
import { OPTIONAL_PLACEHOLDERS } from '../iam/permission';
import type { PrincipalPolicy } from '../iam/principals';

/** A CloudFormation template as plain data (written as YAML). */
export interface Template {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Metadata?: Record<string, unknown>;
  Parameters?: Record<string, Record<string, unknown>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[]; Condition?: string }>;
  Outputs?: Record<string, { Description?: string; Value: unknown }>;
}

export const sub = (text: string): unknown => (text.includes('${') ? { 'Fn::Sub': text } : text);
export const ref = (name: string) => ({ Ref: name });
export const getAtt = (resource: string, attribute: string) => ({ 'Fn::GetAtt': [resource, attribute] });
export const ifThen = (condition: string, then: unknown, otherwise: unknown) => ({ 'Fn::If': [condition, then, otherwise] });
export const NO_VALUE = { Ref: 'AWS::NoValue' };

/** The condition that must hold for a Condition block to apply (its value names an optional parameter), if any. */
function optionalConditionOf(condition: Record<string, Record<string, string | string[]>>): string | undefined {
  for (const byKey of Object.values(condition))
    for (const v of Object.values(byKey))
      for (const text of Array.isArray(v) ? v : [v])
        for (const [placeholder, cond] of Object.entries(OPTIONAL_PLACEHOLDERS)) if (text.includes(placeholder)) return cond;
  return undefined;
}

function subDeep(value: unknown): unknown {
  if (typeof value === 'string') return sub(value);
  if (Array.isArray(value)) return value.map(subDeep);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, subDeep(v)]));
  return value;
}

/**
 * A derived principal policy as the template holds it: every string with a placeholder in Fn::Sub,
 * and a Condition that uses an optional parameter only when that parameter is given.
 */
export function principalPolicyToCfn(policy: PrincipalPolicy): unknown {
  return {
    Version: policy.Version,
    Statement: policy.Statement.map((s) => {
      const { Condition, ...rest } = s;
      const out: Record<string, unknown> = subDeep(rest) as Record<string, unknown>;
      if (Condition) {
        const when = optionalConditionOf(Condition);
        out.Condition = when ? ifThen(when, subDeep(Condition), NO_VALUE) : subDeep(Condition);
      }
      return out;
    }),
  };
}

/** A runbook policy as the template holds it: its placeholders (partition, account, topic) resolved by Fn::Sub, conditions included. */
export function runbookPolicyToCfn(policy: IamPolicy): unknown {
  return { Version: policy.Version, Statement: policy.Statement.map((s) => subDeep(s)) };
}

/** A trust policy statement for a service principal, bound to this account (the confused-deputy guard). */
export function serviceTrust(service: string, extra: Record<string, Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    Effect: 'Allow',
    Principal: { Service: service },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') }, ...extra },
  };
}

export function trustPolicy(...statements: unknown[]): unknown {
  return { Version: '2012-10-17', Statement: statements };
}

/** Template parameters every template shares. */
export const CODE_PARAMETERS = {
  CodeBucket: {
    Type: 'String',
    Description: 'S3 bucket holding the Lambda zips (`hubfix package` uploads them); it must be in the Region of the stack.',
    AllowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
    ConstraintDescription: 'an S3 bucket name',
  },
  CodeKeyPrefix: {
    Type: 'String',
    Description: 'Key prefix of the Lambda zips in CodeBucket (ends with / when not empty).',
    Default: '',
    AllowedPattern: '^$|^[A-Za-z0-9!_.*()/-]{0,200}/$',
    ConstraintDescription: 'empty, or a key prefix ending with /',
  },
};

export const LOG_RETENTION_PARAMETER = {
  LogRetentionDays: {
    Type: 'Number',
    Description: 'How long the Lambda logs are kept.',
    Default: 365,
    AllowedValues: [30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
  },
};

/** A Lambda function's code: its zip under a content-addressed key. */
export function lambdaCode(zipKey: string): unknown {
  return { S3Bucket: ref('CodeBucket'), S3Key: sub(`\${CodeKeyPrefix}${zipKey}`) };
}
