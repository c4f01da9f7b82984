/**
 * Every SDK client package hubfix calls, each required by a literal name so that esbuild puts it in
 * the Lambda bundles (which carry the SDK version the tests ran with, not whatever the runtime
 * ships). Each is loaded only when first used. Keep in step with SERVICES in ./services.
 */
const PACKAGES: Readonly<Record<string, () => Record<string, unknown>>> = {
  '@aws-sdk/client-iam': () => require('@aws-sdk/client-iam'),
  '@aws-sdk/client-ec2': () => require('@aws-sdk/client-ec2'),
  '@aws-sdk/client-s3': () => require('@aws-sdk/client-s3'),
  '@aws-sdk/client-cloudtrail': () => require('@aws-sdk/client-cloudtrail'),
  '@aws-sdk/client-kms': () => require('@aws-sdk/client-kms'),
  '@aws-sdk/client-cloudwatch-logs': () => require('@aws-sdk/client-cloudwatch-logs'),
  '@aws-sdk/client-cloudwatch': () => require('@aws-sdk/client-cloudwatch'),
  '@aws-sdk/client-sns': () => require('@aws-sdk/client-sns'),
  '@aws-sdk/client-sts': () => require('@aws-sdk/client-sts'),
  '@aws-sdk/client-ssm': () => require('@aws-sdk/client-ssm'),
  '@aws-sdk/client-securityhub': () => require('@aws-sdk/client-securityhub'),
  '@aws-sdk/client-eventbridge': () => require('@aws-sdk/client-eventbridge'),
  '@aws-sdk/client-config-service': () => require('@aws-sdk/client-config-service'),
  '@aws-sdk/client-lambda': () => require('@aws-sdk/client-lambda'),
};

/** The client packages the Lambda bundles carry. */
export const BUNDLED_SDK_PACKAGES: readonly string[] = Object.keys(PACKAGES);

export function loadSdkPackage(pkg: string): Record<string, unknown> {
  const load = Object.hasOwn(PACKAGES, pkg) ? PACKAGES[pkg] : undefined;
  return load ? load() : (require(pkg) as Record<string, unknown>);
}
