import { expect } from 'chai';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dump } from 'js-yaml';
import * as sinon from 'sinon';
import type { AwsCall, AwsCredentials, Invoker } from '../../src/aws/invoker';
import type { PolicyDocument } from '../../src/aws/policy-check';
import { SdkInvoker } from '../../src/aws/sdk-invoker';
import { IMPORTED_PATTERN } from '../../src/cfn/events';
import { runBuild } from '../../src/cli/build';
import { runDoctor } from '../../src/cli/doctor';
import { compileAll, shippedCatalog } from '../../src/compiler';
import { CODE_BUCKET, CODE_PREFIX, createCodeBuckets, deployIntoEmulator, packageIntoEmulator } from '../../src/emulator/cloudformation';
import { type PassResult, type Scenario, startScenario } from '../../src/emulator/pipeline';
import { ADMIN_ACCOUNT, HOME_REGION, MEMBER_ACCOUNTS, REGIONS } from '../../src/emulator/scenario';
import { DRY_RUN_ACTION_ID, REMEDIATE_ACTION_ID } from '../../src/finalizer/actions';
import { configParameter } from '../../src/findings/config-parameter';
import { runbookRoleName } from '../../src/findings/naming';
import { ADMIN_STACK, type DeployResult, deploy, MEMBER_ACCOUNT_STACKSET, MEMBER_REGION_STACKSET } from '../../src/install/deploy';
import { policyDoc } from '../../src/install/doctor';
import { type PackageResult, packageArtifacts } from '../../src/install/package';
import { useEmulator } from './support';

/**
 * hubfix installed the way an Organization installs it: `hubfix build`, `hubfix package` into S3,
 * `hubfix deploy` (the admin stack through a change set, the member templates as StackSets with an
 * instance per account and Region), all through moto's CloudFormation; then the end-to-end pass
 * runs through the roles, documents, topic, parameter and functions CloudFormation created, and
 * `hubfix doctor` checks the installation. What moto cannot do is substituted, each named here and
 * in docs/moto-facts.md:
 *   - moto's CloudFormation stores an AWS::SSM::Document's object Content as it is, and then its
 *     GetDocument fails; the test hands it the member Region template with each Content already a
 *     JSON string, which is what CloudFormation itself passes to SSM CreateDocument;
 *   - AWS::SecurityHub::ActionTarget (and AWS::Lambda::EventInvokeConfig, AWS::SNS::TopicPolicy)
 *     are accepted but create nothing: the two custom actions are created through the Security Hub
 *     stand-in with the template's ids;
 *   - Lambda functions exist with their code and role, but moto runs none without Docker: the
 *     step runner's handlers run in-process from the same build, whose zip is the function's code
 *     (CodeSha256 checked); SSM automations run in hubfix's local engine (moto has no executions)
 *     under the runbook policies read back from the IAM roles CloudFormation created.
 */

const TIMEOUT_MS = 8 * 60_000;
const runbooks = compileAll();

function quiet<T>(fn: () => Promise<T>): Promise<T> {
  const stdout = sinon.stub(process.stdout, 'write').returns(true);
  return fn().finally(() => stdout.restore());
}

async function credentialsIn(sdk: Invoker, account: string): Promise<AwsCredentials> {
  const out = await sdk.call({
    service: 'sts',
    operation: 'AssumeRole',
    region: HOME_REGION,
    input: { RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`, RoleSessionName: 'hubfix-e2e-check' },
  });
  const c = out.Credentials as Record<string, string>;
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

/** Build, create the code buckets, package (twice: the second must upload nothing). */
async function buildAndPackage(sdk: Invoker): Promise<{ dist: string; first: PackageResult; second: PackageResult }> {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-cfn-e2e-'));
  expect(await quiet(() => runBuild({ out: dist }))).to.equal(0);
  await createCodeBuckets(sdk, REGIONS);
  const first = await packageIntoEmulator(sdk, dist, REGIONS);
  const second = await packageArtifacts({ dist, bucket: CODE_BUCKET, prefix: CODE_PREFIX, regions: REGIONS, invoker: sdk });
  return { dist, first, second };
}

describe('installed through CloudFormation in the emulator: build, package, deploy, run, doctor', function () {
  this.timeout(TIMEOUT_MS);
  const emulator = useEmulator();
  let sdk: SdkInvoker;
  let dist: string;
  let packaged: { first: PackageResult; second: PackageResult };
  let deployed: DeployResult;
  const deployLines: string[] = [];
  let s: Scenario;
  let pass: PassResult;
  const iamPolicies = new Map<string, PolicyDocument>();

  before(async function () {
    this.timeout(TIMEOUT_MS);
    const endpoint = emulator.current().endpoint;
    sdk = new SdkInvoker({ endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const built = await buildAndPackage(sdk);
    dist = built.dist;
    packaged = built;
    deployed = await deployIntoEmulator(sdk, built.first, {
      adminRegion: HOME_REGION,
      regions: REGIONS,
      accounts: MEMBER_ACCOUNTS,
      out: (l) => deployLines.push(l),
    });
    // the runbook policies the engine enforces: as the IAM roles CloudFormation created hold them
    const creds = await credentialsIn(sdk, MEMBER_ACCOUNTS[0]);
    for (const rb of runbooks) {
      const p = await sdk.call({
        service: 'iam',
        operation: 'GetRolePolicy',
        region: HOME_REGION,
        credentials: creds,
        input: { RoleName: runbookRoleName(rb.name), PolicyName: rb.name },
      });
      iamPolicies.set(rb.name, policyDoc(p.PolicyDocument) as PolicyDocument);
    }
    // moto's DescribeStacks has no Outputs for a stack made through a change set: the topic from the stack's resources
    const resources = await sdk.call({
      service: 'cloudformation',
      operation: 'ListStackResources',
      region: HOME_REGION,
      input: { StackName: ADMIN_STACK },
    });
    const topicArn = String(
      (resources.StackResourceSummaries as Array<{ LogicalResourceId: string; PhysicalResourceId: string }>).find(
        (r) => r.LogicalResourceId === 'NotificationTopic',
      )?.PhysicalResourceId,
    );
    // an operator switches every control to automatic in the parameter the admin stack created
    const controls = Object.fromEntries(Object.values(shippedCatalog().controls).map((c) => [c.control, 'auto']));
    await sdk.call({
      service: 'ssm',
      operation: 'PutParameter',
      region: HOME_REGION,
      input: {
        Name: '/hubfix/config',
        Overwrite: true,
        Type: 'String',
        Value: dump({ version: 1, mode: { default: 'auto', controls }, notificationTopicArn: topicArn }),
      },
    });
    s = await startScenario({
      endpoint,
      installedBy: 'cloudformation',
      policy: (d) => iamPolicies.get(d),
      config: () => configParameter(sdk, '/hubfix/config', HOME_REGION).get(),
    });
    // moto substitution: the template's two custom actions, through the Security Hub stand-in
    for (const [id, name] of [
      [REMEDIATE_ACTION_ID, 'Remediate'],
      [DRY_RUN_ACTION_ID, 'Remediate (dry run)'],
    ])
      await s.invoker.call({
        service: 'securityhub',
        operation: 'CreateActionTarget',
        region: HOME_REGION,
        input: { Id: id, Name: name, Description: 'hubfix' },
      });
    pass = await s.runPass();
  });

  after(async () => {
    await s?.close();
  });

  it('package uploads each zip once per Region and each template once; packaging again uploads nothing', () => {
    expect(packaged.first.uploaded).to.have.length(2 * REGIONS.length + 3);
    expect(packaged.second.uploaded).to.deep.equal([]);
    expect(packaged.second.unchanged).to.have.length(2 * REGIONS.length + 3);
  });

  it('deploy created the admin stack through a change set and one stack instance per account (IAM) and per account × Region', () => {
    expect(deployed.problems).to.deep.equal([]);
    expect(deployed.admin).to.equal('created');
    const byName = (n: string) => deployed.instances.filter((i) => i.stackSet === n).map((i) => `${i.account} ${i.region} ${i.status}`);
    expect(byName(MEMBER_ACCOUNT_STACKSET).sort()).to.deep.equal(MEMBER_ACCOUNTS.map((a) => `${a} ${HOME_REGION} SUCCEEDED`).sort());
    expect(byName(MEMBER_REGION_STACKSET).sort()).to.deep.equal(
      MEMBER_ACCOUNTS.flatMap((a) => REGIONS.map((r) => `${a} ${r} SUCCEEDED`)).sort(),
    );
    expect(deployLines.join('\n')).to.include('Add Orchestrator AWS::Lambda::Function');
  });

  it('deploying again changes nothing and creates no instance twice', async () => {
    const again = await deploy({
      manifest: packaged.first.manifest,
      invoker: sdk,
      adminRegion: HOME_REGION,
      regions: REGIONS,
      accounts: MEMBER_ACCOUNTS,
      yes: true,
      out: () => {},
      pollMs: 20,
    });
    expect(again.problems).to.deep.equal([]);
    expect(again.instances).to.have.length(MEMBER_ACCOUNTS.length * (1 + REGIONS.length));
  });

  it('the step runner CloudFormation created in every member account and Region carries this build, on nodejs22.x, as hubfix-step-runner', async () => {
    const sha = createHash('sha256')
      .update(fs.readFileSync(path.join(dist, 'lambda', 'step-runner.zip')))
      .digest('base64');
    for (const account of MEMBER_ACCOUNTS) {
      const credentials = await credentialsIn(sdk, account);
      for (const region of REGIONS) {
        const f = await sdk.call({
          service: 'lambda',
          operation: 'GetFunction',
          region,
          credentials,
          input: { FunctionName: 'hubfix-step-runner' },
        });
        expect(f.Configuration, `${account} ${region}`).to.include({
          Runtime: 'nodejs22.x',
          CodeSha256: sha,
          Role: `arn:aws:iam::${account}:role/hubfix-step-runner`,
        });
      }
    }
  });

  it("the findings-imported rule the stack created drops every event Security Hub sends after hubfix's own updates", async () => {
    const rule = await sdk.call({
      service: 'events',
      operation: 'DescribeRule',
      region: HOME_REGION,
      input: { Name: 'hubfix-findings-imported' },
    });
    // the emulator filters follow-ups with the pattern the template declares: it is the one the stack holds
    expect(JSON.parse(String(rule.EventPattern))).to.deep.equal(IMPORTED_PATTERN);
    expect(pass.followUpEvents).to.be.at.least(pass.automations.length);
    expect(pass.followUpDelivered).to.equal(0);
  });

  it('every automation ran a document CloudFormation created, as a runbook role CloudFormation created, and ended Success', async () => {
    // an account-level runbook whose controls share one run (the password policy) runs once per account and Region in flight
    const sharedRun = pass.outcomes.filter((o) => o.decision.reason === 'DUPLICATE' && o.outcome === 'notified').length;
    expect(pass.automations.length).to.equal(s.world.findings.length - sharedRun);
    const failed = pass.automations.filter((a) => a.result?.status !== 'Success');
    expect(failed.map((a) => `${a.document} ${a.account} ${a.region}: ${a.error ?? a.result?.record.FailureMessage}`)).to.deep.equal([]);
    const created = new Map<string, Set<string>>();
    for (const account of MEMBER_ACCOUNTS) {
      const credentials = await credentialsIn(sdk, account);
      for (const region of REGIONS) {
        const stacks = await sdk.call({ service: 'cloudformation', operation: 'DescribeStacks', region, credentials, input: {} });
        const ids = new Set<string>();
        for (const st of (stacks.Stacks as Array<{ StackName: string }>) ?? []) {
          const res = await sdk.call({
            service: 'cloudformation',
            operation: 'ListStackResources',
            region,
            credentials,
            input: { StackName: st.StackName },
          });
          for (const r of (res.StackResourceSummaries as Array<{ PhysicalResourceId?: string }>) ?? [])
            if (r.PhysicalResourceId) ids.add(r.PhysicalResourceId);
        }
        created.set(`${account} ${region}`, ids);
      }
    }
    for (const a of pass.automations) {
      expect(created.get(`${a.account} ${a.region}`)?.has(a.document), `${a.document} in ${a.account} ${a.region}`).to.equal(true);
      expect(created.get(`${a.account} ${HOME_REGION}`)?.has(runbookRoleName(a.document)), `role of ${a.document}`).to.equal(true);
      expect(a.result?.record.AssumeRole).to.equal(`arn:aws:iam::${a.account}:role/${runbookRoleName(a.document)}`);
    }
    // the member role the orchestrator started each automation as is the one the member account stack created
    for (const a of pass.automations) expect(a.startedBy).to.match(new RegExp(`^arn:aws:sts::${a.account}:assumed-role/hubfix-member/`));
    for (const account of MEMBER_ACCOUNTS) expect(created.get(`${account} ${HOME_REGION}`)?.has('hubfix-member')).to.equal(true);
  });

  it('resolved every finding with a verified fix and notified on the topic the admin stack created', () => {
    expect(pass.reports.length).to.equal(s.world.findings.length);
    for (const r of pass.reports) {
      const label = `${r.control} ${r.account} ${r.region}`;
      if (r.reason === 'DUPLICATE') {
        expect(r.note, label).to.match(/covered by the account's run in flight/);
        continue;
      }
      expect(r.verified, label).to.equal(true);
      expect(r.workflow, label).to.equal('RESOLVED');
    }
    expect(s.world.topicArn).to.equal(`arn:aws:sns:${HOME_REGION}:${ADMIN_ACCOUNT}:hubfix-notifications`);
    expect(s.inbox.received.length).to.be.at.least(pass.automations.length);
  });

  describe('hubfix doctor on that installation', () => {
    const doctorOpts = () => ({ accounts: MEMBER_ACCOUNTS.join(','), regions: REGIONS.join(','), region: HOME_REGION, dist, json: true });

    it('is green, and only reads (Get/Describe/List, AssumeRole, GetCallerIdentity)', async () => {
      const calls: string[] = [];
      const spy: Invoker = {
        call: (c: AwsCall) => {
          calls.push(`${c.service}.${c.operation}`);
          return s.invoker.call(c);
        },
      };
      let out = '';
      const code = await runDoctor(doctorOpts(), spy, (t) => (out += t));
      const report = JSON.parse(out) as { ok: boolean; rows: Array<{ ok: boolean; check: string; detail: string }> };
      expect(report.rows.filter((r) => !r.ok)).to.deep.equal([]);
      expect(code).to.equal(0);
      // admin: orchestrator, two rules (aimed at the events queue) and the sweep's schedule, the queue's mapping to the orchestrator,
      // the failure queue (empty), custom actions, configuration; member: its role, each runbook role and the step runner's, and per
      // Region hub, documents, step runner
      expect(report.rows.map((r) => r.check)).to.include.members(['events queue', 'failed events']);
      expect(report.rows.length).to.equal(8 + MEMBER_ACCOUNTS.length * (1 + runbooks.length + 1 + REGIONS.length * 3));
      for (const c of calls) expect(c).to.match(/^[a-z]+\.(Get|Describe|List|AssumeRole$|GetCallerIdentity$)/);
    });

    it('turns red with a clear row after a runbook role is deleted, the other rows staying green', async () => {
      const account = MEMBER_ACCOUNTS[0];
      const role = runbookRoleName(runbooks[0].name);
      const credentials = await credentialsIn(sdk, account);
      await sdk.call({
        service: 'iam',
        operation: 'DeleteRolePolicy',
        region: HOME_REGION,
        credentials,
        input: { RoleName: role, PolicyName: runbooks[0].name },
      });
      await sdk.call({ service: 'iam', operation: 'DeleteRole', region: HOME_REGION, credentials, input: { RoleName: role } });
      let out = '';
      const code = await runDoctor({ ...doctorOpts(), json: false }, s.invoker, (t) => (out += t));
      expect(code).to.equal(1);
      const red = out.split('\n').filter((l) => l.startsWith('✘'));
      expect(red).to.have.length(1);
      expect(red[0]).to.match(new RegExp(`^✘ ${account}\\s+${HOME_REGION}\\s+role ${role}\\s+missing`));
      expect(out).to.include('fix: redeploy the hubfix-member-account StackSet instance of this account');
      expect(out).to.include('1 of');
    });
  });
});
