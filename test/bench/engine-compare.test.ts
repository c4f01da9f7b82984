import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { benchDocument } from '../../bench/engine';
import { CannedAnswers } from '../../bench/engine-compare-probe';
import {
  SELECTOR_CASES,
  firstErrorLine,
  medianSample,
  missingComparePackages,
  probeInputFor,
  speedRatio,
} from '../../bench/engine-compare';
import { formatResult } from '../../bench/types';
import { VirtualClock } from '../../src/engine/clock';
import { runAutomation } from '../../src/engine/engine';

describe('bench: engine vs cdk-ssm-documents helpers', () => {
  it('picks the median sample whole, so that its parts still add up', () => {
    const samples = [
      { a: 1, b: 9 },
      { a: 5, b: 0 },
      { a: 2, b: 1 },
    ];
    expect(medianSample(samples, (s) => s.a + s.b)).to.equal(samples[1]);
    expect(medianSample([{ v: 2 }, { v: 1 }], (s) => s.v)).to.deep.equal({ v: 2 });
    expect(medianSample([9, 1, 5, 7], (x) => x)).to.equal(7);
    expect(() => medianSample([], () => 0)).to.throw('no samples');
  });

  it('states the ratio as how many times faster hubfix is, for rates and for times alike', () => {
    expect(speedRatio(300, 100, 'rate')).to.equal(3);
    expect(speedRatio(10, 25, 'time')).to.equal(2.5);
    expect(speedRatio(20, 10, 'time')).to.equal(0.5);
  });

  it('lists the pinned packages that are missing or installed at another version', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-compare-'));
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ dependencies: { a: '1.0.0', '@s/b': '2.0.0', c: '3.0.0' } }));
      const install = (name: string, version: string) => {
        fs.mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
        fs.writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
      };
      expect(missingComparePackages(dir)).to.deep.equal(['a@1.0.0', '@s/b@2.0.0', 'c@3.0.0']);
      install('a', '1.0.0');
      install('@s/b', '2.0.1');
      expect(missingComparePackages(dir)).to.deep.equal(['@s/b@2.0.0', 'c@3.0.0']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the line of a failed npm run that names the error, not the log file', () => {
    const out = [
      'npm error code ECONNREFUSED',
      'npm error syscall connect',
      'npm error',
      'npm error A complete log of this run can be found in: /root/.npm/_logs/x.log',
    ].join('\n');
    expect(firstErrorLine(out)).to.equal('npm error code ECONNREFUSED');
    expect(firstErrorLine('')).to.equal('no output');
  });

  it('answers either casing of an operation with the very same object, and refuses a request it has no answer for', () => {
    const answer = { SecurityGroups: [] };
    const answers = new CannedAnswers([{ service: 'ec2', operation: 'DescribeSecurityGroups', input: { GroupIds: ['sg-1'] }, answer }]);
    expect(answers.answer('ec2', 'DescribeSecurityGroups', { GroupIds: ['sg-1'] })).to.equal(answer);
    expect(answers.answer('EC2', 'describeSecurityGroups', { GroupIds: ['sg-1'] })).to.equal(answer);
    expect(answers.calls).to.equal(2);
    expect(() => answers.answer('ec2', 'DescribeSecurityGroups', { GroupIds: ['sg-2'] })).to.throw('no canned answer for ec2');
    expect(answers.calls).to.equal(2);
  });

  it('prints a figure that could not be measured as SKIP with its reason', () => {
    expect(formatResult({ name: 'x', value: 0, unit: '', target: '', ok: false, skipped: 'registry unreachable' })).to.equal(
      'SKIP  x: registry unreachable',
    );
    expect(formatResult({ name: 'y', value: 3, unit: 'ms', target: '< 5 ms', ok: true })).to.equal('ok    y: 3 ms  (target < 5 ms)');
  });

  it('keeps the engine bench document as it was unless a shape is asked for', () => {
    const plain = benchDocument(2);
    expect(plain.assumeRole).to.equal('{{ AutomationAssumeRole }}');
    expect(Object.keys(plain.parameters ?? {})).to.deep.equal(['AutomationAssumeRole', 'GroupId']);
    expect(plain.outputs).to.deep.equal(['Describe1.GroupId']);
    const bare = benchDocument(2, {
      assumeRole: false,
      documentOutputs: false,
      type: 'StringList',
      selector: '$.SecurityGroups[*].GroupId',
    });
    expect(bare.assumeRole).to.equal(undefined);
    expect(bare.outputs).to.equal(undefined);
    expect(bare.mainSteps[1].inputs?.GroupIds).to.equal('{{ Describe0.GroupIds }}');
  });

  for (const c of SELECTOR_CASES) {
    it(`runs the ${c.label} document in hubfix's engine: one call a step, the expected last output, no role assumed`, async () => {
      const input = probeInputFor(c, 5);
      const answers = new CannedAnswers(input.answers);
      const calls: string[] = [];
      const invoker = {
        call: async (c: { service: string; operation: string; input: Record<string, unknown> }) => {
          calls.push(`${c.service} ${c.operation}`);
          return answers.answer(c.service, c.operation, c.input);
        },
      };
      const r = await runAutomation({ name: 'Compare', document: JSON.parse(input.documentJson) }, input.params, {
        invoker,
        clock: new VirtualClock(),
        region: 'us-east-1',
        account: '111122223333',
      });
      expect(r.status, r.record.FailureMessage).to.equal('Success');
      expect(calls).to.deep.equal(Array(5).fill('ec2 DescribeSecurityGroups'));
      expect(answers.calls).to.equal(5);
      expect(r.record.StepExecutions.at(-1)?.Outputs?.[input.lastOutput]).to.deep.equal(input.expected);
      expect(input.simulatorComparable).to.equal(c.simulatorCannot === undefined);
    });
  }
});
