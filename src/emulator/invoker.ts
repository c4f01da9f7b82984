import type { AwsCall, AwsCredentials, AwsOutput, Invoker } from '../aws/invoker';
import type { PolicyDocument } from '../aws/policy-check';
import { SdkInvoker, type SdkInvokerOptions } from '../aws/sdk-invoker';
import { type FaultCounts, type FaultRates, withStandInFaults } from './fault-proxy';
import type { Clock } from '../engine';
import type { AnyHandler } from '../model/handlers';
import { AutomationStandIn } from './automation-standin';
import { SecurityHubOcsfStandIn } from './securityhub-ocsf-standin';
import { type CallerIdentity, SecurityHubStandIn } from './securityhub-standin';

/**
 * The invoker hubfix uses against the emulator: every call goes to moto through the real SDK v3
 * clients (endpoint override), except the few moto lacks, which go to the stand-ins named here:
 *   securityhub BatchUpdateFindings, CreateActionTarget, DescribeActionTargets → SecurityHubStandIn
 *   securityhub GetFindings → moto, with the Filters applied by SecurityHubStandIn (moto ignores them)
 *   securityhub BatchImportFindings → moto, through SecurityHubStandIn (which keeps its indexed copy)
 *   securityhub GetFindingsV2, BatchUpdateFindingsV2 → SecurityHubOcsfStandIn (OCSF findings in memory)
 *   ssm StartAutomationExecution, GetAutomationExecution, DescribeAutomationExecutions → AutomationStandIn (hubfix's local engine)
 */

export interface EmulatorInvokerOptions {
  endpoint: string;
  adminAccount: string;
  handlers: ReadonlyMap<string, AnyHandler>;
  policy?(document: string): PolicyDocument | undefined;
  clockFor?(document: string): Clock | undefined;
}

export interface CallLogEntry {
  service: string;
  operation: string;
  region: string;
  /** The access key the call was signed with ('' = the emulator's default: the administrator). */
  accessKeyId: string;
  /** Where the call went: moto, or the stand-in that answered it. */
  answeredBy: 'moto' | 'securityhub-standin' | 'automation-standin';
}

/** The role the Security Hub stand-in acts through when it writes a copy of a finding, as the service would. */
export const SECURITY_HUB_SERVICE_ROLE = 'aws-service-role/securityhub.amazonaws.com/AWSServiceRoleForSecurityHub';

const EMULATOR_REQUEST_TIMEOUT_MS = 120_000;
/**
 * moto is one Python process: past a few dozen requests at once it drops connections ("socket hang
 * up") where AWS would answer. A burst of automations started together stays under this.
 */
const EMULATOR_MAX_IN_FLIGHT = 32;

/** The calls hubfix makes that the stand-ins answer in-process (no HTTP): faults are injected here. */
const STAND_IN_CALLS = new Set([
  'securityhub.BatchUpdateFindings',
  'securityhub.GetFindings',
  'ssm.StartAutomationExecution',
  'ssm.GetAutomationExecution',
  'ssm.DescribeAutomationExecutions',
]);

export class EmulatorInvoker implements Invoker {
  readonly sdk: SdkInvoker;
  readonly securityHub: SecurityHubStandIn;
  /** Security Hub's OCSF findings (GetFindingsV2, BatchUpdateFindingsV2): moto has neither. */
  readonly securityHubOcsf: SecurityHubOcsfStandIn;
  readonly automations: AutomationStandIn;
  readonly log: CallLogEntry[] = [];
  private identities = new Map<string, CallerIdentity>();
  private serviceCreds = new Map<string, AwsCredentials>();
  /** Where the calls moto answers go: the emulator, or a fault proxy in front of it. */
  private route: SdkInvoker;
  /** Faults for the calls the stand-ins answer (set by the fault-injection suite). */
  faults?: { rates: FaultRates; attempts: number; counts: FaultCounts };

  constructor(readonly options: EmulatorInvokerOptions) {
    // moto answers some calls slowly (SNS Publish delivers to every subscriber before it answers):
    // a longer timeout than AWS needs, so a slow answer is not retried into a second delivery
    this.sdk = new SdkInvoker({
      endpoint: options.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      requestTimeoutMs: EMULATOR_REQUEST_TIMEOUT_MS,
      maxInFlight: EMULATOR_MAX_IN_FLIGHT,
    });
    this.route = this.sdk;
    const identify = (call: AwsCall) => this.identify(call);
    this.securityHub = new SecurityHubStandIn({
      sdk: this.sdk,
      adminAccount: options.adminAccount,
      identify,
      serviceCredentials: (account) => this.serviceCredentials(account),
    });
    this.securityHubOcsf = new SecurityHubOcsfStandIn({ adminAccount: options.adminAccount, identify });
    this.automations = new AutomationStandIn({
      sdk: this.sdk,
      stepInvoker: () => this,
      identify,
      handlers: options.handlers,
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.clockFor ? { clockFor: options.clockFor } : {}),
    });
  }

  /** Who the call's credentials are (sts GetCallerIdentity against moto, cached per access key). */
  async identify(call: Pick<AwsCall, 'credentials' | 'region'>): Promise<CallerIdentity> {
    const key = call.credentials?.accessKeyId ?? '';
    let id = this.identities.get(key);
    if (!id) {
      const out = await this.sdk.call({
        service: 'sts',
        operation: 'GetCallerIdentity',
        region: call.region,
        credentials: call.credentials,
        input: {},
      });
      id = { account: String(out.Account), arn: String(out.Arn) };
      this.identities.set(key, id);
    }
    return id;
  }

  private async serviceCredentials(account: string): Promise<AwsCredentials> {
    let c = this.serviceCreds.get(account);
    if (!c) {
      const out = await this.sdk.call({
        service: 'sts',
        operation: 'AssumeRole',
        region: 'us-east-1',
        input: { RoleArn: `arn:aws:iam::${account}:role/${SECURITY_HUB_SERVICE_ROLE}`, RoleSessionName: 'securityhub-standin' },
      });
      const cr = out.Credentials as Record<string, string>;
      c = { accessKeyId: cr.AccessKeyId, secretAccessKey: cr.SecretAccessKey, sessionToken: cr.SessionToken };
      this.serviceCreds.set(account, c);
    }
    return c;
  }

  /** Send the calls moto answers through another endpoint (a fault proxy), with these SDK options. */
  routeThrough(endpoint: string, options: Omit<SdkInvokerOptions, 'endpoint' | 'credentials'> = {}): void {
    this.route = new SdkInvoker({
      requestTimeoutMs: EMULATOR_REQUEST_TIMEOUT_MS,
      maxInFlight: EMULATOR_MAX_IN_FLIGHT,
      ...options,
      endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  }

  async call(call: AwsCall): Promise<AwsOutput> {
    const f = this.faults;
    if (f && STAND_IN_CALLS.has(`${call.service}.${call.operation}`))
      return withStandInFaults(call, f.rates, f.attempts, f.counts, () => this.answer(call));
    return this.answer(call);
  }

  private async answer(call: AwsCall): Promise<AwsOutput> {
    const op = `${call.service}.${call.operation}`;
    const entry: CallLogEntry = {
      service: call.service,
      operation: call.operation,
      region: call.region,
      accessKeyId: call.credentials?.accessKeyId ?? '',
      answeredBy: 'moto',
    };
    this.log.push(entry);
    switch (op) {
      case 'securityhub.BatchUpdateFindings':
        entry.answeredBy = 'securityhub-standin';
        return this.securityHub.batchUpdateFindings(call);
      case 'securityhub.CreateActionTarget':
        entry.answeredBy = 'securityhub-standin';
        return this.securityHub.createActionTarget(call);
      case 'securityhub.DescribeActionTargets':
        entry.answeredBy = 'securityhub-standin';
        return this.securityHub.describeActionTargets(call);
      case 'securityhub.BatchImportFindings':
        entry.answeredBy = 'securityhub-standin';
        return this.securityHub.batchImportFindings(call);
      case 'securityhub.GetFindings':
        entry.answeredBy = 'securityhub-standin';
        return this.securityHub.getFindings(call);
      case 'securityhub.GetFindingsV2':
        entry.answeredBy = 'securityhub-standin';
        return this.securityHubOcsf.getFindingsV2(call);
      case 'securityhub.BatchUpdateFindingsV2':
        entry.answeredBy = 'securityhub-standin';
        return this.securityHubOcsf.batchUpdateFindingsV2(call);
      case 'ssm.StartAutomationExecution':
        entry.answeredBy = 'automation-standin';
        return this.automations.start(call);
      case 'ssm.GetAutomationExecution':
        entry.answeredBy = 'automation-standin';
        return this.automations.get(call);
      case 'ssm.DescribeAutomationExecutions':
        entry.answeredBy = 'automation-standin';
        return this.automations.describe(call);
      default:
        // SSM assuming the automation's role (session = the execution id) is SSM's own call, not
        // hubfix's: it goes straight to the emulator, past any fault proxy
        if (op === 'sts.AssumeRole' && /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(String(call.input.RoleSessionName ?? '')))
          return this.sdk.call(call);
        return this.route.call(call);
    }
  }
}
