/**
 * The services hubfix speaks: boto3 client name (what SSM documents use) → SDK v3 package and the
 * IAM action prefix. A service missing here is a service hubfix does not call.
 */
export interface ServiceInfo {
  /** boto3 client name, as in aws:executeAwsApi `Service`. */
  name: string;
  /** The @aws-sdk/client-* package that implements it. */
  sdkPackage: string;
  /** The IAM action prefix (`iam:`, `logs:` ...). */
  iamPrefix: string;
  /** True for services whose endpoint is global (IAM). */
  global?: boolean;
}

export const SERVICES: Readonly<Record<string, ServiceInfo>> = {
  iam: { name: 'iam', sdkPackage: '@aws-sdk/client-iam', iamPrefix: 'iam', global: true },
  ec2: { name: 'ec2', sdkPackage: '@aws-sdk/client-ec2', iamPrefix: 'ec2' },
  s3: { name: 's3', sdkPackage: '@aws-sdk/client-s3', iamPrefix: 's3' },
  cloudtrail: { name: 'cloudtrail', sdkPackage: '@aws-sdk/client-cloudtrail', iamPrefix: 'cloudtrail' },
  kms: { name: 'kms', sdkPackage: '@aws-sdk/client-kms', iamPrefix: 'kms' },
  logs: { name: 'logs', sdkPackage: '@aws-sdk/client-cloudwatch-logs', iamPrefix: 'logs' },
  cloudwatch: { name: 'cloudwatch', sdkPackage: '@aws-sdk/client-cloudwatch', iamPrefix: 'cloudwatch' },
  sns: { name: 'sns', sdkPackage: '@aws-sdk/client-sns', iamPrefix: 'sns' },
  sts: { name: 'sts', sdkPackage: '@aws-sdk/client-sts', iamPrefix: 'sts' },
  ssm: { name: 'ssm', sdkPackage: '@aws-sdk/client-ssm', iamPrefix: 'ssm' },
  securityhub: { name: 'securityhub', sdkPackage: '@aws-sdk/client-securityhub', iamPrefix: 'securityhub' },
  events: { name: 'events', sdkPackage: '@aws-sdk/client-eventbridge', iamPrefix: 'events' },
  config: { name: 'config', sdkPackage: '@aws-sdk/client-config-service', iamPrefix: 'config' },
  lambda: { name: 'lambda', sdkPackage: '@aws-sdk/client-lambda', iamPrefix: 'lambda' },
  // used by the CLI only (hubfix deploy/doctor), not bundled into the Lambdas
  cloudformation: { name: 'cloudformation', sdkPackage: '@aws-sdk/client-cloudformation', iamPrefix: 'cloudformation' },
  organizations: { name: 'organizations', sdkPackage: '@aws-sdk/client-organizations', iamPrefix: 'organizations' },
  // the events queue: Lambda's event source mapping reads it, hubfix's code never does (the emulator feeds it)
  sqs: { name: 'sqs', sdkPackage: '@aws-sdk/client-sqs', iamPrefix: 'sqs' },
};

export function serviceInfo(name: string): ServiceInfo | undefined {
  return Object.hasOwn(SERVICES, name) ? SERVICES[name] : undefined;
}
