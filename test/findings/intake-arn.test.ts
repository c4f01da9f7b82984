import * as path from 'node:path';
import { expect } from 'chai';
import { runDecide } from '../../src/cli/decide';
import { shippedCatalog } from '../../src/compiler';
import { defaultConfig } from '../../src/findings/config';
import { type DecideContext, decide, decideFinding } from '../../src/findings/decide';
import type { Decision, Trigger } from '../../src/findings/types';
import { CIS_STANDARDS } from '../../src/model/runbook';
import { type AnyJson, FIXTURES, NOW } from './helpers';
import { type Format, securityHubFinding } from './shapes';

/**
 * Intake from the resource ARN (issue #10): findings exactly as Security Hub sends them, in every
 * format, most without `Details`, decided against the shipped catalog.
 */

const REMEDIATE: Trigger = { kind: 'custom-action', actionId: 'HubfixRemediate' };
const ACCOUNT = '111122223333';
const catalog = shippedCatalog();

function decideOne(f: AnyJson, over: Partial<DecideContext> = {}): Decision {
  return decideFinding(f, { catalog, config: defaultConfig(), now: NOW, trigger: REMEDIATE, ...over });
}

const SG = 'sg-0a1b2c3d4e5f60718';
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';

/** A resource without Details for each resource type the catalog's runbooks act on, and the parameter it must give. */
const RESOURCES: Record<string, { resource: { Type: string; Id: string }; parameters: Record<string, string> }> = {
  AwsEc2SecurityGroup: {
    resource: { Type: 'AwsEc2SecurityGroup', Id: `arn:aws:ec2:us-east-1:${ACCOUNT}:security-group/${SG}` },
    parameters: { GroupId: SG },
  },
  AwsIamUser: { resource: { Type: 'AwsIamUser', Id: `arn:aws:iam::${ACCOUNT}:user/alice` }, parameters: { UserName: 'alice' } },
  AwsKmsKey: { resource: { Type: 'AwsKmsKey', Id: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY}` }, parameters: { KeyId: KEY } },
  AwsCloudTrailTrail: {
    resource: { Type: 'AwsCloudTrailTrail', Id: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-audit` },
    parameters: { TrailName: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-audit` },
  },
  AwsS3Bucket: {
    resource: { Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::audit-logs-111122223333' },
    parameters: { BucketName: 'audit-logs-111122223333' },
  },
  AwsEc2Vpc: {
    resource: { Type: 'AwsEc2Vpc', Id: `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/vpc-0a1b2c3d4e5f60718` },
    parameters: { VpcId: 'vpc-0a1b2c3d4e5f60718' },
  },
  AwsAccount: { resource: { Type: 'AwsAccount', Id: `AWS::::Account:${ACCOUNT}` }, parameters: {} },
  AwsIamPolicy: { resource: { Type: 'AwsIamPolicy', Id: `arn:aws:iam::${ACCOUNT}:policy/admin-all` }, parameters: {} },
};

describe('intake: every shipped control from findings without Details, in every format Security Hub sends', () => {
  it('each control, consolidated and under each of its standard ids (CIS 1.2.0 / 1.4.0 / 3.0.0, FSBP), starts its runbook with the parameter from the ARN', () => {
    let checked = 0;
    for (const c of Object.values(catalog.controls)) {
      const sample = RESOURCES[c.resourceType];
      expect(sample, `no sample resource for ${c.resourceType} (${c.control})`).to.not.equal(undefined);
      const formats: Array<[Format, string]> = [['consolidated', c.control]];
      for (const std of CIS_STANDARDS) for (const id of c.aliases[std] ?? []) formats.push([std, id]);
      if (c.fsbp) formats.push(['fsbp', c.control]);
      for (const [format, id] of formats) {
        const d = decideOne(securityHubFinding({ format, id, resource: { ...sample.resource } }));
        const what = `${c.control} as ${format} ${id}`;
        expect(d.decision, `${what}: ${d.detail}`).to.equal('start');
        expect(d.control, what).to.equal(c.control);
        expect(d.document, what).to.equal(c.document);
        expect(d.parameters, what).to.include({ ...sample.parameters, ...c.parameters });
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(40);
  });

  it('hubfix decide on a custom-action event without Details starts every security-group, IAM user and KMS control with its parameter', () => {
    const { decisions } = runDecide(path.join(FIXTURES, 'custom-action-no-details.json'), { now: '2024-06-01T12:01:00Z' });
    const got = decisions.map((d) => [
      d.decision,
      d.control,
      d.document,
      d.parameters?.GroupId ?? d.parameters?.UserName ?? d.parameters?.KeyId,
    ]);
    expect(got).to.deep.equal([
      ['start', 'EC2.2', 'Hubfix-EC2-DefaultSecurityGroupClosed', SG],
      ['start', 'EC2.13', 'Hubfix-EC2-AdminPortsIngress', SG],
      ['start', 'EC2.14', 'Hubfix-EC2-AdminPortsIngress', SG],
      ['start', 'EC2.53', 'Hubfix-EC2-AdminPortsIngress', SG],
      ['start', 'EC2.54', 'Hubfix-EC2-AdminPortsIngress', SG],
      ['start', 'IAM.3', 'Hubfix-IAM-AccessKeyRotation', 'alice'],
      ['start', 'IAM.8', 'Hubfix-IAM-UnusedCredentials', 'bob'],
      ['start', 'IAM.22', 'Hubfix-IAM-UnusedCredentials', 'AIDACKCEVSQ6C2EXAMPLE'],
      ['start', 'KMS.4', 'Hubfix-KMS-KeyRotation', KEY],
    ]);
    for (const d of decisions.slice(1, 5)) expect(d.parameters, d.control).to.include(catalog.controls[d.control ?? ''].parameters);
  });

  it('FSBP findings for IAM.3, IAM.8 and EC2.2 map to their runbooks by the rule that an FSBP id is the consolidated id', () => {
    for (const [id, type, doc] of [
      ['IAM.3', 'AwsIamUser', 'Hubfix-IAM-AccessKeyRotation'],
      ['IAM.8', 'AwsIamUser', 'Hubfix-IAM-UnusedCredentials'],
      ['EC2.2', 'AwsEc2SecurityGroup', 'Hubfix-EC2-DefaultSecurityGroupClosed'],
    ]) {
      const d = decideOne(securityHubFinding({ format: 'fsbp', id, resource: { ...RESOURCES[type].resource } }));
      expect([d.decision, d.reason, d.control, d.document], d.detail).to.deep.equal(['start', 'ACTION_REMEDIATE', id, doc]);
    }
    const unknown = decideOne(securityHubFinding({ format: 'fsbp', id: 'Lambda.1', resource: { ...RESOURCES.AwsAccount.resource } }));
    expect([unknown.reason, unknown.detail]).to.deep.equal(['NO_RUNBOOK', 'control Lambda.1 has no hubfix runbook']);
  });
});

describe('intake: the resource ARN and the details must agree', () => {
  function iamUser(id: string, details?: AnyJson): AnyJson {
    return securityHubFinding({
      format: 'consolidated',
      id: 'IAM.8',
      resource: { Type: 'AwsIamUser', Id: id, ...(details ? { Details: details } : {}) },
    });
  }

  it('an ARN naming alice with details naming breakglass-admin is MALFORMED, quoting both, and starts nothing', () => {
    const d = decideOne(iamUser(`arn:aws:iam::${ACCOUNT}:user/alice`, { AwsIamUser: { UserName: 'breakglass-admin' } }));
    expect([d.decision, d.reason]).to.deep.equal(['skip', 'MALFORMED']);
    expect(d.detail).to.contain('"alice"').and.contain('"breakglass-admin"').and.contain('Details.AwsIamUser.UserName');
    expect(d.target).to.equal(undefined);
  });

  it('a security group or KMS key whose details name another resource is MALFORMED too', () => {
    const sg = securityHubFinding({
      format: 'consolidated',
      id: 'EC2.13',
      resource: { ...RESOURCES.AwsEc2SecurityGroup.resource, Details: { AwsEc2SecurityGroup: { GroupId: 'sg-0fffffffffffffff0' } } },
    });
    const a = decideOne(sg);
    expect([a.reason, a.detail]).to.satisfy(
      ([r, t]: string[]) => r === 'MALFORMED' && t.includes(`"${SG}"`) && t.includes('"sg-0fffffffffffffff0"'),
    );
    const key = securityHubFinding({
      format: 'consolidated',
      id: 'KMS.4',
      resource: { ...RESOURCES.AwsKmsKey.resource, Details: { AwsKmsKey: { KeyId: '0000abcd-12ab-34cd-56ef-1234567890ab' } } },
    });
    expect(decideOne(key).reason).to.equal('MALFORMED');
  });

  it('details that agree with the ARN (or are absent) start the run with the ARN value', () => {
    const agree = decideOne(
      iamUser(`arn:aws:iam::${ACCOUNT}:user/alice`, { AwsIamUser: { UserName: 'alice', UserId: 'AIDAEXAMPLEALICE0000' } }),
    );
    expect([agree.decision, agree.parameters?.UserName]).to.deep.equal(['start', 'alice']);
    const sg = decideOne(
      securityHubFinding({
        format: 'cis-1.2.0',
        id: '4.1',
        resource: { ...RESOURCES.AwsEc2SecurityGroup.resource, Details: { AwsEc2SecurityGroup: { GroupId: SG, GroupName: 'web' } } },
      }),
    );
    expect([sg.decision, sg.parameters?.GroupId]).to.deep.equal(['start', SG]);
  });

  it('a details value that fails its pattern is MALFORMED even when the ARN is fine', () => {
    const d = decideOne(iamUser(`arn:aws:iam::${ACCOUNT}:user/alice`, { AwsIamUser: { UserName: 'alice; rm -rf /' } }));
    expect(d.reason).to.equal('MALFORMED');
    expect(d.detail).to.contain("does not match UserName's pattern");
  });
});

describe('intake: IAM users named by their unique id, and IAM paths', () => {
  it('an ARN carrying the unique id starts the run with the id (the plan resolves it); details agree through UserId, not UserName', () => {
    const arn = `arn:aws:iam::${ACCOUNT}:user/AIDACKCEVSQ6C2EXAMPLE`;
    const f = securityHubFinding({
      format: 'cis-1.4.0',
      id: '1.12',
      resource: { Type: 'AwsIamUser', Id: arn, Details: { AwsIamUser: { UserName: 'carol', UserId: 'AIDACKCEVSQ6C2EXAMPLE' } } },
    });
    const d = decideOne(f);
    expect([d.decision, d.control, d.parameters?.UserName], d.detail).to.deep.equal(['start', 'IAM.22', 'AIDACKCEVSQ6C2EXAMPLE']);
    f.Resources[0].Details.AwsIamUser.UserId = 'AIDAOTHERUSER0000000';
    const other = decideOne(f);
    expect(other.reason).to.equal('MALFORMED');
    expect(other.detail).to.contain('"AIDACKCEVSQ6C2EXAMPLE"').and.contain('"AIDAOTHERUSER0000000"');
  });

  it('a user under an IAM path with any printable ASCII IAM allows is found by its last segment', () => {
    for (const p of ['engineering/', 'division_abc/subdivision_xyz/', 'a!b"c#$%&\'()*+,-.:;<=>?@[\\]^_`{|}~/', 'x/y/z/']) {
      const d = decideOne(
        securityHubFinding({ format: 'fsbp', id: 'IAM.8', resource: { Type: 'AwsIamUser', Id: `arn:aws:iam::${ACCOUNT}:user/${p}bob` } }),
      );
      expect([d.decision, d.parameters?.UserName], `${p}: ${d.detail}`).to.deep.equal(['start', 'bob']);
    }
    const spaced = decideOne(
      securityHubFinding({
        format: 'fsbp',
        id: 'IAM.8',
        resource: { Type: 'AwsIamUser', Id: `arn:aws:iam::${ACCOUNT}:user/two words/bob` },
      }),
    );
    expect(spaced.reason).to.equal('MALFORMED');
  });
});

describe('intake: IAM.22 and the control’s own parameters', () => {
  it('IAM.22 (CIS 1.4.0 / 3.0.0 1.12) runs the unused-credentials runbook with 45 days, IAM.8 with the runbook’s 90', () => {
    const user = { ...RESOURCES.AwsIamUser.resource };
    for (const format of ['cis-1.4.0', 'cis-3.0.0'] as const) {
      const d = decideOne(securityHubFinding({ format, id: '1.12', resource: user }));
      expect([d.control, d.document, d.parameters?.MaxUnusedDays]).to.deep.equal(['IAM.22', 'Hubfix-IAM-UnusedCredentials', 45]);
    }
    const iam8 = decideOne(securityHubFinding({ format: 'cis-1.2.0', id: '1.3', resource: user }));
    expect([iam8.control, iam8.parameters?.MaxUnusedDays]).to.deep.equal(['IAM.8', undefined]);
  });

  function iam7(parameters: Array<{ Name: string; Value: string[] }>): AnyJson {
    const f = securityHubFinding({ format: 'consolidated', id: 'IAM.7', resource: { ...RESOURCES.AwsAccount.resource } });
    f.Compliance.SecurityControlParameters = parameters;
    return f;
  }

  it('a stricter custom IAM.7 parameter wins over the runbook’s target; a weaker one does not weaken it', () => {
    const strict = decideOne(
      iam7([
        { Name: 'MinimumPasswordLength', Value: ['20'] },
        { Name: 'PasswordReusePrevention', Value: ['24'] },
        { Name: 'MaxPasswordAge', Value: ['60'] },
        { Name: 'RequireSymbols', Value: ['true'] },
      ]),
    );
    expect(strict.decision, strict.detail).to.equal('start');
    expect(strict.parameters).to.include({ MinimumPasswordLength: 20, PasswordReusePrevention: 24, MaxPasswordAgeDays: 60 });
    const weak = decideOne(
      iam7([
        { Name: 'MinimumPasswordLength', Value: ['8'] },
        { Name: 'MaxPasswordAge', Value: ['365'] },
      ]),
    );
    expect(weak.parameters).to.include({ MinimumPasswordLength: 14, MaxPasswordAgeDays: 90 });
    const none = decideOne(iam7([]));
    expect(none.parameters).to.not.have.any.keys('MinimumPasswordLength', 'MaxPasswordAgeDays');
  });

  it('a custom parameter that is not one integer within what the runbook accepts is MALFORMED', () => {
    for (const Value of [['abc'], ['20', '21'], ['500'], []]) {
      const d = decideOne(iam7([{ Name: 'MinimumPasswordLength', Value }]));
      expect(d.reason, JSON.stringify(Value)).to.equal('MALFORMED');
      expect(d.detail).to.contain('Compliance.SecurityControlParameters[0] (MinimumPasswordLength)');
    }
  });

  it('IAM.7 with a stricter custom length and IAM.15 in one batch are two runs, not a DUPLICATE', () => {
    const iam15 = securityHubFinding({
      format: 'consolidated',
      id: 'IAM.15',
      resource: { ...RESOURCES.AwsAccount.resource },
      uuid: '0000aaaa-9b8f-4c7d-8e6f-5a4b3c2d1e0f',
    });
    const ds = decide([iam15, iam7([{ Name: 'MinimumPasswordLength', Value: ['20'] }])], {
      catalog,
      config: defaultConfig(),
      now: NOW,
      trigger: REMEDIATE,
    });
    expect(ds.map((d) => d.decision)).to.deep.equal(['start', 'start']);
    const same = decide([iam15, iam7([])], { catalog, config: defaultConfig(), now: NOW, trigger: REMEDIATE });
    expect(same.map((d) => d.reason)).to.deep.equal(['ACTION_REMEDIATE', 'DUPLICATE']);
  });
});

describe('intake: trails where they are', () => {
  const HOME = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-audit`;

  it('a multi-Region trail’s finding from another Region is routed to the trail’s home Region, and recorded where it lives', () => {
    const f = securityHubFinding({
      format: 'cis-3.0.0',
      id: '3.2',
      region: 'eu-west-1',
      resource: { Type: 'AwsCloudTrailTrail', Id: HOME, Region: 'eu-west-1' },
    });
    const d = decideOne(f);
    expect([d.decision, d.control, d.region], d.detail).to.deep.equal(['start', 'CloudTrail.4', 'us-east-1']);
    expect(d.detail).to.contain("routed to the trail's home Region us-east-1; the finding is from eu-west-1");
    expect(d.parameters?.TrailName).to.equal(HOME);
    expect(d.target?.findingRegion).to.equal('eu-west-1');
  });

  it('another resource type whose Region differs from its ARN’s is still MALFORMED', () => {
    const f = securityHubFinding({
      format: 'consolidated',
      id: 'EC2.13',
      region: 'eu-west-1',
      resource: { ...RESOURCES.AwsEc2SecurityGroup.resource, Region: 'eu-west-1' },
    });
    expect(decideOne(f).reason).to.equal('MALFORMED');
  });
});
