import { expect } from 'chai';
import { buildFinding, importedEvent } from '../../src/emulator/asff';
import { applyFindingUpdate, filterFindings } from '../../src/emulator/securityhub-standin';

const at = '2026-01-02T03:04:05.000Z';
const account = { Type: 'AwsAccount', Id: 'AWS::::Account:111111111111', Region: 'us-east-1' };

describe('emulator scenario: findings as Security Hub writes them', () => {
  it('writes a consolidated finding with the control id, the security-control Id and generator', () => {
    const f = buildFinding({
      format: 'consolidated',
      account: '111111111111',
      region: 'us-east-1',
      control: 'IAM.15',
      cisRule: '1.9',
      title: 't',
      resource: account,
      at,
    });
    expect(f.Id).to.match(/^arn:aws:securityhub:us-east-1:111111111111:security-control\/IAM\.15\/finding\/[0-9a-f-]{36}$/);
    expect(f.GeneratorId).to.equal('security-control/IAM.15');
    expect(f.Compliance).to.deep.include({
      Status: 'FAILED',
      SecurityControlId: 'IAM.15',
      RelatedRequirements: ['CIS AWS Foundations 1.2.0/1.9'],
    });
    expect(f.Workflow).to.deep.equal({ Status: 'NEW' });
  });

  it('writes a CIS 1.2.0 standard-specific finding with RuleId, the ruleset generator and no SecurityControlId', () => {
    const f = buildFinding({
      format: 'cis-1.2.0',
      account: '222222222222',
      region: 'eu-west-1',
      control: 'EC2.13',
      cisRule: '4.1',
      title: 't',
      resource: account,
      at,
    });
    expect(f.Id).to.match(
      /^arn:aws:securityhub:eu-west-1:222222222222:subscription\/cis-aws-foundations-benchmark\/v\/1\.2\.0\/4\.1\/finding\//,
    );
    expect(f.GeneratorId).to.equal('arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.1');
    expect((f.ProductFields as Record<string, string>).RuleId).to.equal('4.1');
    expect((f.ProductFields as Record<string, string>).StandardsControlArn).to.equal(
      'arn:aws:securityhub:eu-west-1:222222222222:control/cis-aws-foundations-benchmark/v/1.2.0/4.1',
    );
    expect(f.Compliance).to.deep.equal({ Status: 'FAILED' });
  });

  it('refuses a CIS 1.2.0 finding for a control that has no 1.2.0 rule', () => {
    expect(() =>
      buildFinding({ format: 'cis-1.2.0', account: '1', region: 'us-east-1', control: 'EC2.53', title: 't', resource: account, at }),
    ).to.throw(/no CIS 1\.2\.0 rule/);
  });

  it('gives the same finding Id for the same resource and control (a re-seeded world matches)', () => {
    const spec = {
      format: 'consolidated' as const,
      account: '111111111111',
      region: 'us-east-1',
      control: 'IAM.15',
      title: 't',
      resource: account,
      at,
    };
    expect(buildFinding(spec).Id).to.equal(buildFinding({ ...spec, at: '2027-01-01T00:00:00.000Z' }).Id);
  });

  it('wraps one finding in the administrator account\'s "Findings - Imported" event', () => {
    const f = buildFinding({
      format: 'consolidated',
      account: '111111111111',
      region: 'eu-west-1',
      control: 'KMS.4',
      title: 't',
      resource: account,
      at,
    });
    const e = importedEvent(f, '123456789012', at);
    expect(e).to.deep.include({
      source: 'aws.securityhub',
      'detail-type': 'Security Hub Findings - Imported',
      account: '123456789012',
      region: 'eu-west-1',
      resources: [f.Id],
    });
    expect(e.detail.findings).to.deep.equal([f]);
  });
});

describe('Security Hub stand-in (moto lacks BatchUpdateFindings and ignores GetFindings filters)', () => {
  const findings = [
    {
      Id: 'a',
      ProductArn: 'p',
      AwsAccountId: '111111111111',
      Workflow: { Status: 'NEW' },
      Compliance: { Status: 'FAILED', SecurityControlId: 'IAM.15' },
    },
    { Id: 'b', ProductArn: 'p', AwsAccountId: '222222222222', Workflow: { Status: 'RESOLVED' }, Compliance: { Status: 'FAILED' } },
    { Id: 'c', ProductArn: 'q', AwsAccountId: '222222222222', Workflow: { Status: 'NEW' }, Compliance: { Status: 'PASSED' } },
  ];

  it('ORs the values of one filter and ANDs different filters, as GetFindings does', () => {
    const ids = (f: Record<string, unknown>) => filterFindings(findings, f).map((x) => x.Id);
    expect(
      ids({
        AwsAccountId: [
          { Value: '111111111111', Comparison: 'EQUALS' },
          { Value: '222222222222', Comparison: 'EQUALS' },
        ],
      }),
    ).to.deep.equal(['a', 'b', 'c']);
    expect(
      ids({ AwsAccountId: [{ Value: '222222222222', Comparison: 'EQUALS' }], WorkflowStatus: [{ Value: 'NEW', Comparison: 'EQUALS' }] }),
    ).to.deep.equal(['c']);
    expect(
      ids({
        WorkflowStatus: [{ Value: 'RESOLVED', Comparison: 'NOT_EQUALS' }],
        ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' }],
      }),
    ).to.deep.equal(['a']);
    expect(ids({ ComplianceSecurityControlId: [{ Value: 'IAM', Comparison: 'PREFIX' }] })).to.deep.equal(['a']);
  });

  it('refuses a filter it does not implement rather than ignoring it', () => {
    expect(() => filterFindings(findings, { SeverityLabel: [{ Value: 'HIGH', Comparison: 'EQUALS' }] })).to.throw(
      /does not filter on SeverityLabel/,
    );
  });

  it('applies Note (with UpdatedAt), Workflow and the whole UserDefinedFields map, and leaves UpdatedAt alone', () => {
    const before = {
      Id: 'a',
      UpdatedAt: at,
      Note: { Text: 'old', UpdatedBy: 'x', UpdatedAt: at },
      UserDefinedFields: { keep: 'no' },
      Workflow: { Status: 'NEW' },
    };
    const out = applyFindingUpdate(
      before,
      {
        Note: { Text: 'new', UpdatedBy: 'Hubfix-X' },
        Workflow: { Status: 'RESOLVED' },
        UserDefinedFields: { 'hubfix:status': 'SUCCEEDED' },
      },
      '2026-02-02T00:00:00.000Z',
    );
    expect(out.Note).to.deep.equal({ Text: 'new', UpdatedBy: 'Hubfix-X', UpdatedAt: '2026-02-02T00:00:00.000Z' });
    expect(out.Workflow).to.deep.equal({ Status: 'RESOLVED' });
    expect(out.WorkflowState).to.equal('RESOLVED');
    expect(out.UserDefinedFields).to.deep.equal({ 'hubfix:status': 'SUCCEEDED' });
    expect(out.UpdatedAt).to.equal(at);
  });

  it('refuses what BatchUpdateFindings refuses: a note over 512 characters, an unknown workflow status', () => {
    expect(() => applyFindingUpdate({}, { Note: { Text: 'x'.repeat(513), UpdatedBy: 'u' } }, at)).to.throw(/1 to 512/);
    expect(() => applyFindingUpdate({}, { Workflow: { Status: 'DONE' } }, at)).to.throw(/Workflow.Status DONE/);
    expect(() => applyFindingUpdate({}, { UserDefinedFields: { k: '' } }, at)).to.throw(/UserDefinedFields/);
  });
});
