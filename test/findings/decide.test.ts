import { expect } from 'chai';
import { shippedCatalog } from '../../src/compiler';
import { defaultConfig, type HubfixConfig, parseConfig } from '../../src/findings/config';
import { type DecideContext, decide, decideFinding } from '../../src/findings/decide';
import { parseEvent } from '../../src/findings/intake';
import { SKIP_REASONS, START_REASONS, type Decision, type ReasonCode, type Trigger } from '../../src/findings/types';
import { type AnyJson, customActionEvent, findingOf, fixture, fixtureText, NOW, sgFinding, testCatalog } from './helpers';

const IMPORTED: Trigger = { kind: 'imported' };
const REMEDIATE: Trigger = { kind: 'custom-action', actionId: 'HubfixRemediate' };
const DRY_RUN: Trigger = { kind: 'custom-action', actionId: 'HubfixDryRun' };

function ctx(over: Partial<DecideContext> = {}): DecideContext {
  return { catalog: testCatalog(), config: defaultConfig(), now: NOW, trigger: IMPORTED, ...over };
}

function one(f: unknown, over: Partial<DecideContext> = {}): Decision {
  return decideFinding(f, ctx(over));
}

function config(raw: unknown): HubfixConfig {
  return parseConfig(raw);
}

const seen = new Set<ReasonCode>();
function expectReason(d: Decision, reason: ReasonCode, decision: Decision['decision']): void {
  expect(d.reason, d.detail).to.equal(reason);
  expect(d.decision).to.equal(decision);
  expect(d.detail).to.be.a('string').and.not.equal('');
  seen.add(reason);
}

describe('decide: finding formats resolve to the catalog control', () => {
  it('a consolidated finding (Compliance.SecurityControlId) starts its runbook as a dry run by default', () => {
    const d = one(findingOf('imported-consolidated-iam15.json'));
    expectReason(d, 'MODE_DRY_RUN', 'start');
    expect(d.control).to.equal('IAM.15');
    expect(d.document).to.equal('Hubfix-Test-PasswordPolicy');
    expect(d.account).to.equal('111122223333');
    expect(d.region).to.equal('us-east-1');
    expect(d.parameters).to.deep.equal({
      AutomationAssumeRole: 'arn:aws:iam::111122223333:role/hubfix-Test-PasswordPolicy',
      FindingId: 'arn:aws:securityhub:us-east-1:111122223333:security-control/IAM.15/finding/0f3b8a52-7c1d-4a59-9d3e-1c2b3a4d5e6f',
      FindingProductArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
      DryRun: true,
    });
  });

  it('a CIS 1.2.0 finding resolves through ProductFields.RuleId and the ruleset GeneratorId', () => {
    const d = one(findingOf('imported-cis-1.2.0-rule.json'));
    expectReason(d, 'MODE_DRY_RUN', 'start');
    expect(d.control).to.equal('IAM.15');
    expect(d.region).to.equal('us-west-2');
  });

  it('a CIS 1.2.0 finding with only the GeneratorId still resolves', () => {
    const f = findingOf('imported-cis-1.2.0-rule.json');
    f.ProductFields = {};
    expect(one(f).control).to.equal('IAM.15');
  });

  it('a CIS 1.4.0 finding resolves through ProductFields.ControlId and StandardsArn', () => {
    const d = one(findingOf('imported-cis-1.4.0-control.json'));
    expect(d.control).to.equal('IAM.15');
    expect(d.account).to.equal('444455556666');
    expect(d.region).to.equal('eu-west-1');
    expect(d.decision).to.equal('start');
  });

  it('an FSBP finding resolves through its ControlId alias', () => {
    const d = one(findingOf('imported-fsbp-control.json'));
    expect(d.control).to.equal('IAM.7');
    expect(d.document).to.equal('Hubfix-Test-PasswordPolicy');
  });

  it('a standard-specific finding without ProductFields falls back to the control in its Id', () => {
    const f = findingOf('imported-cis-1.4.0-control.json');
    f.ProductFields = {};
    f.GeneratorId = 'some-generator';
    expect(one(f).control).to.equal('IAM.15');
  });

  it('the same fixtures resolve against the shipped catalog to its runbooks', () => {
    const catalog = shippedCatalog();
    for (const [name, control] of [
      ['imported-consolidated-iam15.json', 'IAM.15'],
      ['imported-cis-1.2.0-rule.json', 'IAM.15'],
      ['imported-cis-1.4.0-control.json', 'IAM.15'],
      ['imported-fsbp-control.json', 'IAM.7'],
    ]) {
      const d = one(findingOf(name), { catalog });
      expect(d.control, name).to.equal(control);
      expect(d.document, name).to.equal(catalog.controls[control].document);
      expect(d.decision, name).to.equal('start');
    }
  });

  it('a security group finding passes the extracted GroupId and the control-implied port', () => {
    const d = one(sgFinding());
    expect(d.parameters).to.include({ GroupId: 'sg-0a1b2c3d4e5f60718', Port: 22, DryRun: true });
    expect(d.parameters?.AutomationAssumeRole).to.equal('arn:aws:iam::222233334444:role/hubfix-Test-SecurityGroup');
  });

  it('a details extraction takes the value from Resources[].Details', () => {
    const f = sgFinding();
    f.Compliance.SecurityControlId = 'IAM.3';
    f.GeneratorId = 'security-control/IAM.3';
    f.Id = f.Id.replace('EC2.13', 'IAM.3');
    f.Resources = [{ Type: 'AwsIamUser', Id: 'arn:aws:iam::222233334444:user/alice', Details: { AwsIamUser: { UserName: 'alice' } } }];
    const d = one(f, { config: config({ mode: { controls: { 'IAM.3': 'auto' } } }) });
    expectReason(d, 'MODE_AUTO', 'start');
    expect(d.parameters?.UserName).to.equal('alice');
    expect(d.region).to.equal('us-east-1');
  });
});

describe('decide: every skip and notify reason', () => {
  it('MALFORMED: a finding that is not an object', () => {
    expectReason(one('a string'), 'MALFORMED', 'skip');
    expectReason(one([1, 2]), 'MALFORMED', 'skip');
  });

  it('MALFORMED: a finding missing Resources says so', () => {
    const d = one(findingOf('bad-missing-resources.json'));
    expectReason(d, 'MALFORMED', 'skip');
    expect(d.detail).to.contain('Resources: is missing');
  });

  it('MALFORMED: wrong types name the field', () => {
    const d = one(findingOf('bad-wrong-types.json'));
    expectReason(d, 'MALFORMED', 'skip');
    expect(d.detail).to.contain('AwsAccountId: must be string');
    const f = findingOf('imported-consolidated-iam15.json');
    f.Resources = [];
    expect(one(f).detail).to.contain('Resources: must NOT have fewer than 1 items');
    const g = findingOf('imported-consolidated-iam15.json');
    g.UpdatedAt = 'yesterday';
    expect(one(g).detail).to.contain('UpdatedAt: must match format "date-time"');
  });

  it('MALFORMED: every injection attempt in a resource id is refused with what was wrong, and the good finding beside them still starts', () => {
    const ev = parseEvent(fixtureText('bad-injection-resource-ids.json'));
    if (!ev.ok) throw new Error(ev.detail);
    const ds = decide(ev.event.findings, ctx());
    const details = ds.map((d) => d.detail);
    expect(ds.slice(0, -1).map((d) => d.reason)).to.deep.equal(Array(6).fill('MALFORMED'));
    expect(details[0]).to.contain('contains whitespace');
    expect(details[1]).to.contain('is neither an ARN nor AWS::::Account');
    expect(details[2]).to.contain('non-ASCII');
    expect(details[3]).to.contain('non-ASCII');
    expect(details[4]).to.contain('non-ASCII');
    expect(details[5]).to.contain('whitespace');
    expect(ds.every((d) => d.decision === 'start' || !d.target)).to.equal(true);
    const last = ds[ds.length - 1];
    expectReason(last, 'MODE_DRY_RUN', 'start');
    expect(last.parameters?.GroupId).to.equal('sg-0abc1234de');
  });

  it('MALFORMED: printable but wrong resource ids fail the extraction pattern', () => {
    for (const tail of ['sg-0abc;rm', '../../etc', 'sg-0ABC1234DE', 'sg-0abc1234de/x', 'sg-0abc1234de$(id)']) {
      const f = sgFinding();
      f.Resources[0].Id = `arn:aws:ec2:us-east-1:222233334444:security-group/${tail}`;
      const d = one(f);
      expectReason(d, 'MALFORMED', 'skip');
      expect(d.detail).to.contain("does not match GroupId's pattern");
      expect(d.target).to.equal(undefined);
    }
  });

  it('MALFORMED: an injection in a Details value fails its pattern', () => {
    const f = sgFinding();
    f.Compliance.SecurityControlId = 'IAM.3';
    f.GeneratorId = 'security-control/IAM.3';
    f.Resources = [
      { Type: 'AwsIamUser', Id: 'arn:aws:iam::222233334444:user/bob', Details: { AwsIamUser: { UserName: 'bob; rm -rf /' } } },
    ];
    const d = one(f, { config: config({ mode: { controls: { 'IAM.3': 'auto' } } }) });
    expectReason(d, 'MALFORMED', 'skip');
    expect(d.detail).to.contain('Details.AwsIamUser.UserName');
  });

  it('MALFORMED: fields that name the control must agree', () => {
    const f = findingOf('imported-cis-1.2.0-rule.json');
    f.ProductFields.RuleId = '1.10';
    const d = one(f);
    expectReason(d, 'MALFORMED', 'skip');
    expect(d.detail).to.contain('name different controls');
  });

  it('MALFORMED: a resource of the wrong type for the runbook', () => {
    const f = findingOf('imported-consolidated-iam15.json');
    f.Resources[0].Type = 'AwsEc2Instance';
    const d = one(f);
    expectReason(d, 'MALFORMED', 'skip');
    expect(d.detail).to.contain('no AwsAccount resource');
  });

  it('NOT_SECURITY_HUB_CONTROL: any product but Security Hub itself', () => {
    for (const arn of [
      'arn:aws:securityhub:us-east-1::product/aws/guardduty',
      'arn:aws:securityhub:us-east-1::product/aws/securityhubx',
      'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
    ]) {
      const f = findingOf('imported-consolidated-iam15.json');
      f.ProductArn = arn;
      expectReason(one(f), 'NOT_SECURITY_HUB_CONTROL', 'skip');
    }
  });

  it('ACCOUNT_MISMATCH: a resource ARN, an account resource or the finding Id of another account', () => {
    const a = sgFinding();
    a.Resources[0].Id = 'arn:aws:ec2:us-east-1:999999999999:security-group/sg-0a1b2c3d4e5f60718';
    expectReason(one(a), 'ACCOUNT_MISMATCH', 'skip');
    const b = findingOf('imported-consolidated-iam15.json');
    b.Resources[0].Id = 'AWS::::Account:999999999999';
    expectReason(one(b), 'ACCOUNT_MISMATCH', 'skip');
    const c = findingOf('imported-consolidated-iam15.json');
    c.AwsAccountId = '999999999999';
    expectReason(one(c), 'ACCOUNT_MISMATCH', 'skip');
  });

  it('NO_RUNBOOK: a control, alias or standard the catalog does not have', () => {
    const a = findingOf('imported-consolidated-iam15.json');
    a.Compliance.SecurityControlId = 'S3.1';
    a.GeneratorId = 'security-control/S3.1';
    const da = one(a);
    expectReason(da, 'NO_RUNBOOK', 'skip');
    expect(da.control).to.equal('S3.1');
    const b = findingOf('imported-cis-1.2.0-rule.json');
    b.ProductFields.RuleId = '2.1';
    b.ProductFields.StandardsControlArn = b.ProductFields.StandardsControlArn.replace('/1.9', '/2.1');
    b.GeneratorId = b.GeneratorId.replace('/1.9', '/2.1');
    expect(one(b).detail).to.contain('cis-1.2.0 control 2.1 has no hubfix runbook');
    const c = findingOf('imported-cis-1.4.0-control.json');
    c.ProductFields = { ControlId: 'PCI.IAM.1', StandardsArn: 'arn:aws:securityhub:us-east-1::standards/pci-dss/v/3.2.1' };
    c.GeneratorId = 'pci-dss/v/3.2.1/PCI.IAM.1';
    const dc = one(c);
    expectReason(dc, 'NO_RUNBOOK', 'skip');
    expect(dc.detail).to.contain('pci-dss 3.2.1');
  });

  it('NOT_FAILED, ARCHIVED, SUPPRESSED', () => {
    const passed = findingOf('imported-consolidated-iam15.json');
    passed.Compliance.Status = 'PASSED';
    expectReason(one(passed), 'NOT_FAILED', 'skip');
    const none = findingOf('imported-consolidated-iam15.json');
    delete none.Compliance;
    expectReason(one(none), 'NOT_FAILED', 'skip');
    const archived = findingOf('imported-consolidated-iam15.json');
    archived.RecordState = 'ARCHIVED';
    expectReason(one(archived, { trigger: REMEDIATE }), 'ARCHIVED', 'skip');
    const suppressed = findingOf('imported-consolidated-iam15.json');
    suppressed.Workflow.Status = 'SUPPRESSED';
    expectReason(one(suppressed, { trigger: REMEDIATE }), 'SUPPRESSED', 'skip');
  });

  it('NOT_NEW: automatic runs act only on NEW findings; a custom action acts on a NOTIFIED one', () => {
    const f = findingOf('imported-consolidated-iam15.json');
    f.Workflow.Status = 'NOTIFIED';
    expectReason(one(f), 'NOT_NEW', 'skip');
    expectReason(one(f, { trigger: REMEDIATE }), 'ACTION_REMEDIATE', 'start');
  });

  it('MODE_DISABLED: a disabled control is skipped, for custom actions too', () => {
    const c = config({ mode: { controls: { 'IAM.15': 'disabled' } } });
    const f = findingOf('imported-consolidated-iam15.json');
    expectReason(one(f, { config: c }), 'MODE_DISABLED', 'skip');
    expectReason(one(f, { config: c, trigger: REMEDIATE }), 'MODE_DISABLED', 'skip');
    expectReason(one(f, { config: config({ mode: { default: 'disabled' } }) }), 'MODE_DISABLED', 'skip');
  });

  it('MODE_NOTIFY_ONLY: notify with the guidance; a runbook that defaults to notify-only keeps it under an auto default', () => {
    const d = one(findingOf('imported-consolidated-iam15.json'), { config: config({ mode: { controls: { 'IAM.15': 'notify-only' } } }) });
    expectReason(d, 'MODE_NOTIFY_ONLY', 'notify');
    expect(d.detail).to.contain('guidance for IAM.15');
    expect(d.target?.findingId).to.contain('IAM.15');
    const f = sgFinding();
    f.Compliance.SecurityControlId = 'IAM.3';
    f.GeneratorId = 'security-control/IAM.3';
    f.Resources = [{ Type: 'AwsIamUser', Id: 'arn:aws:iam::222233334444:user/alice', Details: { AwsIamUser: { UserName: 'alice' } } }];
    expectReason(one(f, { config: config({ mode: { default: 'auto' } }) }), 'MODE_NOTIFY_ONLY', 'notify');
  });

  it('EXCLUDED_ACCOUNT, with an expiry that ends it', () => {
    const f = findingOf('imported-consolidated-iam15.json');
    const d = one(f, { config: config({ exclusions: { accounts: [{ account: '111122223333', reason: 'migration' }] } }) });
    expectReason(d, 'EXCLUDED_ACCOUNT', 'skip');
    expect(d.detail).to.contain('migration');
    expectReason(
      one(f, { config: config({ exclusions: { accounts: ['111122223333'] } }), trigger: REMEDIATE }),
      'EXCLUDED_ACCOUNT',
      'skip',
    );
    const expired = config({ exclusions: { accounts: [{ account: '111122223333', expires: '2024-05-31' }] } });
    expect(one(f, { config: expired }).decision).to.equal('start');
    const endOfDay = config({ exclusions: { accounts: [{ account: '111122223333', expires: '2024-06-01' }] } });
    expect(one(f, { config: endOfDay }).reason).to.equal('EXCLUDED_ACCOUNT');
  });

  it('EXCLUDED_REGION: an excluded Region, or one outside allowedRegions', () => {
    const f = findingOf('imported-cis-1.2.0-rule.json');
    expectReason(one(f, { config: config({ exclusions: { regions: ['us-west-2'] } }) }), 'EXCLUDED_REGION', 'skip');
    const d = one(f, { config: config({ allowedRegions: ['us-east-1', 'eu-west-1'] }) });
    expectReason(d, 'EXCLUDED_REGION', 'skip');
    expect(d.detail).to.contain('not in allowedRegions');
    expect(one(f, { config: config({ allowedRegions: ['us-west-2'] }) }).decision).to.equal('start');
  });

  it('EXCLUDED_TAG: a tag key (and value) on the resource, until it expires', () => {
    const f = sgFinding();
    f.Resources[0].Tags = { 'hubfix:exempt': 'true', team: 'payments' };
    expectReason(one(f, { config: config({ exclusions: { tags: [{ key: 'hubfix:exempt' }] } }) }), 'EXCLUDED_TAG', 'skip');
    expectReason(one(f, { config: config({ exclusions: { tags: [{ key: 'team', value: 'payments' }] } }) }), 'EXCLUDED_TAG', 'skip');
    expect(one(f, { config: config({ exclusions: { tags: [{ key: 'team', value: 'web' }] } }) }).decision).to.equal('start');
    expect(one(f, { config: config({ exclusions: { tags: [{ key: 'team', expires: '2024-06-01T12:00:00Z' }] } }) }).decision).to.equal(
      'start',
    );
  });

  it('ATTEMPTS_EXHAUSTED: the loop guard notifies once, then skips; attempts outside the window do not count', () => {
    const f = findingOf('imported-refailed.json');
    f.UserDefinedFields = {
      'hubfix:status': 'SUCCEEDED',
      'hubfix:attempts': '3',
      'hubfix:lastAttempt': '2024-06-01T11:00:00Z',
      'hubfix:attemptTimes': '2024-05-31T20:00:00Z,2024-06-01T02:00:00Z,2024-06-01T11:00:00Z',
      'hubfix:updatedAt': '2024-06-01T11:20:00Z',
    };
    f.UpdatedAt = '2024-06-01T12:00:30Z';
    const d = one(f);
    expectReason(d, 'ATTEMPTS_EXHAUSTED', 'notify');
    expect(d.detail).to.contain('3 automatic attempts in 24 h');
    f.UserDefinedFields['hubfix:status'] = 'NOTIFY_ONLY';
    expectReason(one(f), 'ATTEMPTS_EXHAUSTED', 'skip');
    const later = one(f, { now: Date.parse('2024-06-02T03:00:00Z') });
    expect(later.decision).to.equal('start');
    expect(later.target?.attempt).to.equal(4);
    expect(one(f, { trigger: REMEDIATE }).decision, 'a person is not held back').to.equal('start');
  });

  it('DUPLICATE: an account-level control starts once per account in a batch; a finding listed twice is handled once', () => {
    const ev = fixture('custom-action-multi-account.json');
    const ds = decide(ev.detail.findings, ctx({ trigger: REMEDIATE }));
    expect(ds.map((d) => d.reason)).to.deep.equal(['ACTION_REMEDIATE', 'ACTION_REMEDIATE', 'ACTION_REMEDIATE', 'DUPLICATE']);
    expectReason(ds[3], 'DUPLICATE', 'notify');
    expect(ds[3].detail).to.contain('account-level');
    expect(ds[3].coveredBy).to.equal(ds[2].findingId);
    const twice = decide([sgFinding(), sgFinding()], ctx());
    expect(twice.map((d) => d.reason)).to.deep.equal(['MODE_DRY_RUN', 'DUPLICATE']);
    const twoGroups = decide(
      [sgFinding(), sgFinding('222233334444', 'us-east-1', 'sg-0123456789abcdef0', '99999999-2222-4333-8444-555555555555')],
      ctx(),
    );
    expect(twoGroups.map((d) => d.decision)).to.deep.equal(['start', 'start']);
  });

  it("IN_PROGRESS: no second run while hubfix's last start is in flight", () => {
    const f = findingOf('imported-own-update-echo.json');
    f.UserDefinedFields['hubfix:lastAttempt'] = '2024-06-01T11:50:00Z';
    const d = one(f, { trigger: REMEDIATE });
    expectReason(d, 'IN_PROGRESS', 'skip');
    expect(one(f, { trigger: REMEDIATE, now: Date.parse('2024-06-01T13:00:00Z') }).decision).to.equal('start');
  });

  it('ORGANIZATION_TRAIL: an organization trail seen from a member account is notified to be fixed from the management account, never run', () => {
    const member = '111122223333';
    const trail = 'arn:aws:cloudtrail:us-east-1:999988887777:trail/org-trail';
    const f = findingOf('imported-consolidated-iam15.json');
    f.Id = `arn:aws:securityhub:eu-west-1:${member}:security-control/CloudTrail.4/finding/7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d`;
    f.ProductArn = 'arn:aws:securityhub:eu-west-1::product/aws/securityhub';
    f.Region = 'eu-west-1';
    f.AwsAccountId = member;
    f.GeneratorId = 'security-control/CloudTrail.4';
    f.Compliance.SecurityControlId = 'CloudTrail.4';
    f.Resources = [{ Type: 'AwsCloudTrailTrail', Id: trail, Partition: 'aws', Region: 'eu-west-1' }];
    for (const over of [{}, { trigger: REMEDIATE }, { config: config({ mode: { default: 'auto' } }) }]) {
      const d = one(f, { catalog: shippedCatalog(), ...over });
      expectReason(d, 'ORGANIZATION_TRAIL', 'notify');
      expect(d.detail).to.equal(
        `organization trail ${trail} seen from member account ${member}: fix it from the management account 999988887777, in us-east-1`,
      );
      expect(d.detail.length, 'fits the 200 characters a notification reason keeps').to.be.at.most(200);
      expect(d.target?.account).to.equal(member);
      expect(d.target?.findingRegion).to.equal('eu-west-1');
    }
    // any other resource of another account is still refused
    const sg = sgFinding();
    sg.Resources[0].Id = 'arn:aws:ec2:us-east-1:999988887777:security-group/sg-0a1b2c3d4e5f60718';
    expectReason(one(sg), 'ACCOUNT_MISMATCH', 'skip');
  });

  it('UNKNOWN_ACTION and ACTION_DISABLED', () => {
    const f = findingOf('imported-consolidated-iam15.json');
    expectReason(one(f, { trigger: { kind: 'custom-action', actionId: 'SendToJira' } }), 'UNKNOWN_ACTION', 'skip');
    const off = config({ customActions: { remediate: { enabled: false } } });
    expectReason(one(f, { config: off, trigger: REMEDIATE }), 'ACTION_DISABLED', 'skip');
    expect(one(f, { config: off, trigger: DRY_RUN }).decision).to.equal('start');
  });

  it('start reasons: MODE_AUTO runs for real, ACTION_REMEDIATE for real, ACTION_DRY_RUN with DryRun=true', () => {
    const f = findingOf('imported-consolidated-iam15.json');
    const auto = one(f, { config: config({ mode: { default: 'auto' } }) });
    expectReason(auto, 'MODE_AUTO', 'start');
    expect(auto.parameters?.DryRun).to.equal(false);
    const remediate = one(f, { trigger: REMEDIATE });
    expectReason(remediate, 'ACTION_REMEDIATE', 'start');
    expect(remediate.target?.dryRun).to.equal(false);
    const dry = one(f, { trigger: DRY_RUN });
    expectReason(dry, 'ACTION_DRY_RUN', 'start');
    expect(dry.parameters?.DryRun).to.equal(true);
    expectReason(one(f), 'MODE_DRY_RUN', 'start');
  });
});

describe("decide: the echo of hubfix's own update", () => {
  it("OWN_UPDATE: the event of hubfix's own BatchUpdateFindings (UpdatedAt not after hubfix's write)", () => {
    const d = one(findingOf('imported-own-update-echo.json'));
    expectReason(d, 'OWN_UPDATE', 'skip');
    expect(d.detail).to.contain('is not after hubfix');
  });

  it('OWN_UPDATE: the echo of a failed start keeps Workflow NEW and is still recognised (no loop)', () => {
    const f = findingOf('imported-own-update-echo.json');
    f.Workflow.Status = 'NEW';
    f.UserDefinedFields['hubfix:status'] = 'START_FAILED';
    expectReason(one(f), 'OWN_UPDATE', 'skip');
  });

  it("OWN_UPDATE: the finalizer's echo (RESOLVED, note by the runbook) even when the provider re-evaluated meanwhile", () => {
    const f = findingOf('imported-own-update-echo.json');
    f.Workflow.Status = 'RESOLVED';
    f.UpdatedAt = '2024-06-01T12:05:00Z';
    f.Note.UpdatedBy = 'Hubfix-Test-PasswordPolicy';
    f.Note.UpdatedAt = '2024-06-01T12:10:00Z';
    f.UserDefinedFields['hubfix:status'] = 'SUCCEEDED';
    expectReason(one(f, { now: Date.parse('2024-06-01T12:11:00Z') }), 'OWN_UPDATE', 'skip');
  });

  it('forgery: a hubfix:updatedAt in the future is ignored, so a re-evaluated finding is not taken as our echo', () => {
    const f = findingOf('imported-refailed.json');
    f.UserDefinedFields['hubfix:updatedAt'] = '2099-01-01T00:00:00Z';
    f.UserDefinedFields['hubfix:lastAttempt'] = '2099-01-01T00:00:00Z';
    const d = one(f);
    expectReason(d, 'MODE_DRY_RUN', 'start');
    expect(d.distrusted).to.deep.equal(['hubfix:lastAttempt', 'hubfix:updatedAt']);
  });

  it("forgery: a note by 'hubfix' dated in the future does not make an event an echo", () => {
    const f = findingOf('imported-refailed.json');
    f.Note = { Text: 'x', UpdatedBy: 'hubfix', UpdatedAt: '2099-01-01T00:00:00Z' };
    f.UserDefinedFields = { 'hubfix:status': 'SUCCEEDED' };
    expectReason(one(f), 'MODE_DRY_RUN', 'start');
  });

  it('forgery: attempt times in the future do not trip the loop guard', () => {
    const f = findingOf('imported-refailed.json');
    f.UserDefinedFields['hubfix:attemptTimes'] = Array(9).fill('2099-01-01T00:00:00Z').join(',');
    f.UserDefinedFields['hubfix:lastAttempt'] = '2099-01-01T00:00:00Z';
    expectReason(one(f), 'MODE_DRY_RUN', 'start');
  });

  it('forgery: an in-progress start claimed by the fields is a claim the start path checks, even for a custom action', () => {
    const f = findingOf('imported-refailed.json');
    Object.assign(f.UserDefinedFields, { 'hubfix:status': 'STARTED', 'hubfix:lastAttempt': new Date(NOW - 60_000).toISOString() });
    const d = one(f, { trigger: { kind: 'custom-action', actionId: 'HubfixRemediate' } });
    expectReason(d, 'IN_PROGRESS', 'skip');
    expect(d.claim).to.include({ kind: 'in-progress', reason: 'ACTION_REMEDIATE' });
    expect(d.target?.document).to.be.a('string');
  });

  it('a genuinely re-failed finding (workflow reset to NEW, UpdatedAt after our write) is not an echo: attempt 2 starts', () => {
    const d = one(findingOf('imported-refailed.json'));
    expectReason(d, 'MODE_DRY_RUN', 'start');
    expect(d.target?.attempt).to.equal(2);
    // an account-level control: one token per account, Region and evaluation window for the same run
    const other = findingOf('imported-refailed.json');
    other.Id = other.Id.replace('IAM.15', 'IAM.7');
    other.GeneratorId = 'security-control/IAM.7';
    other.Compliance.SecurityControlId = 'IAM.7';
    expect(one(other).target?.clientToken).to.equal(d.target?.clientToken);
    const later = findingOf('imported-refailed.json');
    later.UpdatedAt = '2024-06-03T09:30:00.000Z';
    expect(one(later).target?.clientToken).to.not.equal(d.target?.clientToken);
  });

  it('a later re-evaluation of a finding hubfix NOTIFIED (still FAILED, so still NOTIFIED) is NOT_NEW, not an echo', () => {
    const f = findingOf('imported-own-update-echo.json');
    f.UpdatedAt = '2024-06-02T00:00:00Z';
    expect(one(f).reason).to.equal('NOT_NEW');
  });

  it('a NOTIFIED finding without hubfix fields is NOT_NEW, not an echo', () => {
    const f = findingOf('imported-consolidated-iam15.json');
    f.Workflow.Status = 'NOTIFIED';
    f.Note = { Text: 'looked at it', UpdatedBy: 'alice' };
    expect(one(f).reason).to.equal('NOT_NEW');
  });
});

describe('decide: purity and idempotency', () => {
  it('the same event decided twice gives the same decisions and ClientTokens, and leaves the input untouched', () => {
    const ev = fixture('custom-action-multi-account.json');
    const before = JSON.stringify(ev);
    const a = decide(ev.detail.findings, ctx({ trigger: REMEDIATE }));
    const b = decide(ev.detail.findings, ctx({ trigger: REMEDIATE }));
    expect(a).to.deep.equal(b);
    expect(JSON.stringify(ev)).to.equal(before);
    expect(a[0].target?.clientToken).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('other findings of a batch are decided whatever is wrong with one of them', () => {
    const findings: AnyJson[] = [null, findingOf('bad-wrong-types.json'), sgFinding(), 42];
    const ds = decide(findings, ctx());
    expect(ds.map((d) => d.reason)).to.deep.equal(['MALFORMED', 'MALFORMED', 'MODE_DRY_RUN', 'MALFORMED']);
  });

  it('a custom action event of several accounts decides each finding in its own account and Region', () => {
    const ev = customActionEvent([
      sgFinding('222233334444', 'us-east-1'),
      sgFinding('333344445555', 'eu-west-1', 'sg-0123456789abcdef0', '22222222-3333-4444-8555-666666666666'),
    ]);
    const intake = parseEvent(ev);
    if (!intake.ok) throw new Error(intake.detail);
    const ds = decide(intake.event.findings, ctx({ trigger: intake.event.trigger }));
    expect(ds.map((d) => [d.account, d.region, d.reason])).to.deep.equal([
      ['222233334444', 'us-east-1', 'ACTION_REMEDIATE'],
      ['333344445555', 'eu-west-1', 'ACTION_REMEDIATE'],
    ]);
    expect(ds[1].target?.memberRoleArn).to.equal('arn:aws:iam::333344445555:role/hubfix-member');
  });
});

describe('decide: coverage', () => {
  it('every reason code was asserted by a test above (mocha runs this file in order)', () => {
    const missing = [...SKIP_REASONS, ...START_REASONS].filter((r) => !seen.has(r));
    expect(missing).to.deep.equal([]);
  });
});
