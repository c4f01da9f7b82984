import { expect } from 'chai';
import { Command } from 'commander';
import * as sinon from 'sinon';
import { register } from '../../src/cli/list';

/** `hubfix list` as a person reads it: one row per runbook, with its FSBP and CIS ids. */
describe('hubfix list', () => {
  function run(args: string[]): string {
    const program = new Command().exitOverride();
    let code = -1;
    register(program, (c) => {
      code = c;
    });
    const out = sinon.stub(process.stdout, 'write').returns(true);
    try {
      program.parse(['node', 'hubfix', 'list', ...args]);
    } finally {
      out.restore();
    }
    expect(code).to.equal(0);
    return out
      .getCalls()
      .map((c) => String(c.args[0]))
      .join('');
  }

  it('has an FSBP column: the FSBP ids of the runbook’s controls, or — when none is part of FSBP', () => {
    const lines = run([]).split('\n');
    const header = lines[0].split(/\s{2,}/);
    expect(header).to.include('FSBP');
    const column = (document: string) => {
      const row = lines.find((l) => l.startsWith(`${document} `));
      expect(row, document).to.be.a('string');
      return String(row)
        .slice(lines[0].indexOf('FSBP'))
        .split(/\s{2,}/)[0];
    };
    expect(column('Hubfix-IAM-AccessKeyRotation')).to.equal('IAM.3');
    expect(column('Hubfix-IAM-UnusedCredentials')).to.equal('IAM.8');
    expect(column('Hubfix-EC2-DefaultSecurityGroupClosed')).to.equal('EC2.2');
    expect(column('Hubfix-KMS-KeyRotation')).to.equal('—');
  });

  it('--json carries the FSBP ids with the CIS ones', () => {
    const rows = JSON.parse(run(['--json'])) as Array<{ document: string; aliases: Record<string, string[]> }>;
    const logging = rows.find((r) => r.document === 'Hubfix-CloudTrail-BucketAccessLogging');
    expect(logging?.aliases).to.deep.include({ fsbp: ['S3.9'], 'cis-1.2.0': ['2.6'] });
  });
});
