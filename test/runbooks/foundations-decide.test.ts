import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { runDecide } from '../../src/cli/decide';
import { runbookRoleName } from '../../src/findings/naming';
import { type AnyJson, fixture } from '../findings/helpers';

/**
 * `hubfix decide` on the trail-foundation and support-role findings, in both formats Security Hub
 * writes: the CIS 1.2.0 standard-specific finding (RuleId, ruleset GeneratorId) and the consolidated
 * one (Compliance.SecurityControlId). The events are written to files and read by the CLI's path.
 */

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';

interface Case {
  control: string;
  cisRule: string;
  resource: AnyJson;
  document: string;
  /** Parameters the start carries beyond the common ones. */
  parameters: Record<string, unknown>;
  /** The reason with the default configuration (global dry-run) and with `mode.default: auto`. */
  reasons: [string, string];
}

const ACCOUNT_RESOURCE = { Type: 'AwsAccount', Id: `AWS::::Account:${ACCOUNT}`, Partition: 'aws', Region: REGION };

const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/audit-trail`;

const CASES: Case[] = [
  {
    control: 'CloudTrail.1',
    cisRule: '2.1',
    resource: ACCOUNT_RESOURCE,
    document: 'Hubfix-CloudTrail-MultiRegionTrail',
    parameters: {},
    // class B: previewed even when the configuration's default is auto
    reasons: ['MODE_DRY_RUN', 'MODE_DRY_RUN'],
  },
  {
    control: 'CloudTrail.2',
    cisRule: '2.7',
    resource: { Type: 'AwsCloudTrailTrail', Id: TRAIL_ARN, Partition: 'aws', Region: REGION },
    document: 'Hubfix-CloudTrail-KmsEncryption',
    parameters: { TrailName: TRAIL_ARN },
    reasons: ['MODE_DRY_RUN', 'MODE_DRY_RUN'],
  },
  {
    control: 'Config.1',
    cisRule: '2.5',
    resource: ACCOUNT_RESOURCE,
    document: 'Hubfix-Config-Recorder',
    parameters: {},
    reasons: ['MODE_DRY_RUN', 'MODE_DRY_RUN'],
  },
  {
    control: 'IAM.18',
    cisRule: '1.20',
    resource: ACCOUNT_RESOURCE,
    document: 'Hubfix-IAM-SupportRole',
    parameters: {},
    reasons: ['MODE_DRY_RUN', 'MODE_AUTO'],
  },
];

function standardSpecific(c: Case): AnyJson {
  const event = fixture('imported-cis-1.2.0-rule.json');
  const f = event.detail.findings[0];
  f.Id = `arn:aws:securityhub:${REGION}:${ACCOUNT}:subscription/cis-aws-foundations-benchmark/v/1.2.0/${c.cisRule}/finding/6e1c2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f`;
  f.ProductArn = `arn:aws:securityhub:${REGION}::product/aws/securityhub`;
  f.Region = REGION;
  f.GeneratorId = `arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/${c.cisRule}`;
  f.ProductFields.RuleId = c.cisRule;
  f.ProductFields.StandardsControlArn = `arn:aws:securityhub:${REGION}:${ACCOUNT}:control/cis-aws-foundations-benchmark/v/1.2.0/${c.cisRule}`;
  f.ProductFields.StandardsGuideSubscriptionArn = `arn:aws:securityhub:${REGION}:${ACCOUNT}:subscription/cis-aws-foundations-benchmark/v/1.2.0`;
  f.Resources = [c.resource];
  return event;
}

function consolidated(c: Case): AnyJson {
  const event = fixture('imported-consolidated-iam15.json');
  const f = event.detail.findings[0];
  f.Id = `arn:aws:securityhub:${REGION}:${ACCOUNT}:security-control/${c.control}/finding/0f3b8a52-7c1d-4a59-9d3e-1c2b3a4d5e6f`;
  f.ProductArn = `arn:aws:securityhub:${REGION}::product/aws/securityhub`;
  f.Region = REGION;
  f.GeneratorId = `security-control/${c.control}`;
  f.Compliance.SecurityControlId = c.control;
  f.Resources = [c.resource];
  return event;
}

describe('hubfix decide on CloudTrail.1/2, Config.1 and IAM.18 findings', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-foundations-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const c of CASES) {
    for (const [format, build] of [
      ['CIS 1.2.0 standard-specific', standardSpecific],
      ['consolidated', consolidated],
    ] as const) {
      it(`${c.control} (${format}) starts ${c.document} in the finding's account and Region`, () => {
        const file = path.join(dir, `${c.control}-${format.replace(/\W+/g, '-')}.json`);
        fs.writeFileSync(file, JSON.stringify(build(c)));
        const autoConfig = path.join(dir, 'auto.yaml');
        fs.writeFileSync(autoConfig, 'mode:\n  default: auto\n');
        for (const [i, config] of [undefined, autoConfig].entries()) {
          const { decisions } = runDecide(file, { config, now: '2024-06-01T12:01:00Z' });
          expect(decisions).to.have.length(1);
          const d = decisions[0];
          expect(d.decision, d.detail).to.equal('start');
          expect(d.reason, d.detail).to.equal(c.reasons[i]);
          expect(d.control).to.equal(c.control);
          expect(d.document).to.equal(c.document);
          expect(d.account).to.equal(ACCOUNT);
          expect(d.region).to.equal(REGION);
          expect(d.parameters).to.include({
            AutomationAssumeRole: `arn:aws:iam::${ACCOUNT}:role/${runbookRoleName(c.document)}`,
            ...c.parameters,
            ...(c.reasons[i] === 'MODE_DRY_RUN' ? { DryRun: true } : {}),
          });
        }
      });
    }
  }
});

describe('decide: one batch with the same control in two Regions', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-foundations-batch-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function batch(c: Case): string {
    const event = consolidated(c);
    const other = JSON.parse(JSON.stringify(event.detail.findings[0]));
    other.Id = other.Id.replace(REGION, 'us-east-1').replace('0f3b8a52', '1f3b8a52');
    other.Region = 'us-east-1';
    other.ProductArn = other.ProductArn.replace(REGION, 'us-east-1');
    other.Resources = [{ ...c.resource, Region: 'us-east-1' }];
    event.detail.findings.push(other);
    const file = path.join(dir, `${c.control}-batch.json`);
    fs.writeFileSync(file, JSON.stringify(event));
    return file;
  }

  it('Config.1 is per Region: both Regions start', () => {
    const c = CASES.find((x) => x.control === 'Config.1') as Case;
    const { decisions } = runDecide(batch(c), { now: '2024-06-01T12:01:00Z' });
    expect(decisions.map((d) => [d.decision, d.region])).to.deep.equal([
      ['start', REGION],
      ['start', 'us-east-1'],
    ]);
  });

  it('CloudTrail.1 is one multi-Region trail per account: the second Region is a duplicate', () => {
    const c = CASES.find((x) => x.control === 'CloudTrail.1') as Case;
    const { decisions } = runDecide(batch(c), { now: '2024-06-01T12:01:00Z' });
    expect(decisions.map((d) => [d.decision, d.reason])).to.deep.equal([
      ['start', 'MODE_DRY_RUN'],
      ['notify', 'DUPLICATE'],
    ]);
  });
});
