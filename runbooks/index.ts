import type { Runbook } from '../src/model/runbook';
import { passwordPolicyRunbook } from './iam-password-policy';
import { unusedCredentialsRunbook } from './iam-unused-credentials';
import { accessKeyRotationRunbook } from './iam-access-key-rotation';
import { kmsKeyRotationRunbook } from './kms-key-rotation';
import { adminPortsRunbook } from './ec2-admin-ports';
import { defaultSecurityGroupRunbook } from './ec2-default-security-group';
import { cloudTrailLogValidationRunbook } from './cloudtrail-log-validation';
import { cloudTrailBucketPublicAccessRunbook } from './cloudtrail-bucket-public-access';
import { cloudTrailCloudWatchLogsRunbook } from './cloudtrail-cloudwatch-logs';
import { cloudTrailBucketAccessLoggingRunbook } from './cloudtrail-bucket-access-logging';
import { vpcFlowLogsRunbook } from './vpc-flow-logs';
import { metricAlarmsRunbook } from './cloudwatch-metric-alarms';
import { userMfaGuidanceRunbook } from './iam-user-mfa-guidance';
import { userPoliciesGuidanceRunbook } from './iam-user-policies-guidance';
import { adminPoliciesGuidanceRunbook } from './iam-admin-policies-guidance';
import { rootGuidanceRunbook } from './iam-root-guidance';
import { supportRoleRunbook } from './iam-support-role';
import { cloudTrailMultiRegionRunbook } from './cloudtrail-multi-region';
import { cloudTrailKmsEncryptionRunbook } from './cloudtrail-kms-encryption';
import { configRecorderRunbook } from './config-recorder';
import { rootAccessKeysDeleteRunbook } from './iam-root-access-keys-delete';

/** Every runbook hubfix ships, in catalog order. Add a runbook here to ship it. */
export const RUNBOOKS: readonly Runbook[] = [
  passwordPolicyRunbook,
  unusedCredentialsRunbook,
  accessKeyRotationRunbook,
  kmsKeyRotationRunbook,
  adminPortsRunbook,
  defaultSecurityGroupRunbook,
  cloudTrailLogValidationRunbook,
  cloudTrailBucketPublicAccessRunbook,
  cloudTrailCloudWatchLogsRunbook,
  cloudTrailBucketAccessLoggingRunbook,
  vpcFlowLogsRunbook,
  metricAlarmsRunbook,
  userMfaGuidanceRunbook,
  userPoliciesGuidanceRunbook,
  adminPoliciesGuidanceRunbook,
  rootGuidanceRunbook,
  supportRoleRunbook,
  cloudTrailMultiRegionRunbook,
  cloudTrailKmsEncryptionRunbook,
  configRecorderRunbook,
  rootAccessKeysDeleteRunbook,
];
