import type { DocumentParameter, ParameterType } from './document';

/** A runbook parameter: its document form plus the TypeScript type of its value. */
export interface ParamSpec<T> {
  readonly type: ParameterType;
  readonly doc: DocumentParameter;
  /** True when the parameter's value is passed to an AWS API (it then needs a pattern). */
  readonly __valueType?: T;
}

interface Common<T> {
  description: string;
  default?: T;
}

function spec<T>(type: ParameterType, doc: Omit<DocumentParameter, 'type'>): ParamSpec<T> {
  const clean: DocumentParameter = { type };
  for (const [k, v] of Object.entries(doc)) if (v !== undefined) (clean as unknown as Record<string, unknown>)[k] = v;
  return { type, doc: clean };
}

export const param = {
  string(o: Common<string> & { pattern?: string; allowedValues?: string[]; minChars?: number; maxChars?: number }): ParamSpec<string> {
    return spec('String', {
      description: o.description,
      default: o.default,
      allowedPattern: o.pattern,
      allowedValues: o.allowedValues,
      minChars: o.minChars,
      maxChars: o.maxChars,
    });
  },
  /** A String parameter limited to a fixed set of values, typed as their union. */
  choice<const V extends readonly string[]>(values: V, o: Common<V[number]>): ParamSpec<V[number]> {
    return spec('String', { description: o.description, default: o.default, allowedValues: [...values] });
  },
  integer(o: Common<number> & { allowedValues?: number[] }): ParamSpec<number> {
    return spec('Integer', {
      description: o.description,
      default: o.default,
      allowedValues: o.allowedValues?.map(String),
    });
  },
  boolean(o: Common<boolean>): ParamSpec<boolean> {
    return spec('Boolean', { description: o.description, default: o.default });
  },
  stringList(
    o: Common<string[]> & { pattern?: string; allowedValues?: string[]; minItems?: number; maxItems?: number },
  ): ParamSpec<string[]> {
    return spec('StringList', {
      description: o.description,
      default: o.default,
      allowedPattern: o.pattern,
      allowedValues: o.allowedValues,
      minItems: o.minItems,
      maxItems: o.maxItems,
    });
  },
  stringMap(o: Common<Record<string, unknown>>): ParamSpec<Record<string, unknown>> {
    return spec('StringMap', { description: o.description, default: o.default });
  },
  mapList(o: Common<Record<string, unknown>[]> & { minItems?: number; maxItems?: number }): ParamSpec<Record<string, unknown>[]> {
    return spec('MapList', { description: o.description, default: o.default, minItems: o.minItems, maxItems: o.maxItems });
  },
};

/** Strict patterns shared by runbooks and the finding extractor. Anchored; no look-alikes pass. */
export const patterns = {
  roleArn: '^arn:aws(-cn|-us-gov)?:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$',
  accountId: '^\\d{12}$',
  region: '^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d$',
  findingId: '^$|^arn:aws(-cn|-us-gov)?:securityhub:[a-z0-9-]+:\\d{12}:[A-Za-z0-9/._:-]{1,400}$',
  productArn: '^$|^arn:aws(-cn|-us-gov)?:securityhub:[a-z0-9-]+::product/aws/securityhub$',
  snsTopicArn: '^$|^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}$',
  securityGroupId: '^sg-[0-9a-f]{8,17}$',
  vpcId: '^vpc-[0-9a-f]{8,17}$',
  iamUserName: '^[\\w+=,.@-]{1,64}$',
  /** An IAM user's unique id (`AIDA…`), as findings from AWS Config evaluations name users. */
  iamUserUniqueId: '^AIDA[A-Z0-9]{12,124}$',
  /** An IAM user's name or its unique id. */
  iamUserNameOrId: '^[\\w+=,.@-]{1,64}$|^AIDA[A-Z0-9]{12,124}$',
  trailName: '^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$',
  trailArn: '^arn:aws(-cn|-us-gov)?:cloudtrail:[a-z0-9-]+:\\d{12}:trail/[A-Za-z0-9][A-Za-z0-9._-]{2,127}$',
  /** A trail's name or ARN (CloudTrail's own `Name` parameters take either). */
  trailNameOrArn:
    '^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$|^arn:aws(-cn|-us-gov)?:cloudtrail:[a-z0-9-]+:\\d{12}:trail/[A-Za-z0-9][A-Za-z0-9._-]{2,127}$',
  bucketName: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
  kmsKeyId: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^mrk-[0-9a-f]{32}$',
  logGroupName: '^[\\w#/.-]{1,512}$',
  /** A log group name, or empty for "the runbook's default". */
  optionalLogGroupName: '^$|^[\\w#/.-]{1,512}$',
  /** A bucket name, or empty for "the runbook's default". */
  optionalBucketName: '^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
  /** One to ten TCP/UDP ports (1–65535), comma-separated, no spaces: `22` or `22,3389`. */
  portList:
    '^(6553[0-5]|655[0-2]\\d|65[0-4]\\d{2}|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3})(,(6553[0-5]|655[0-2]\\d|65[0-4]\\d{2}|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3})){0,9}$',
} as const;
