import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readDocumentFile, validateFile } from '../../src/validator';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'documents');

interface Step {
  action: string;
  inputs?: { Steps?: Step[]; Choices?: unknown[] };
  outputs?: Array<{ Selector: string }>;
}

function allSteps(steps: Step[]): Step[] {
  return steps.flatMap((s) => [s, ...allSteps(s.inputs?.Steps ?? [])]);
}

describe('third-party-style documents in test/fixtures/documents', () => {
  const files = fs.readdirSync(FIXTURES).sort();

  it('include at least six documents, in both YAML and JSON', () => {
    expect(files.length).to.be.at.least(6);
    expect(files.some((f) => f.endsWith('.yaml'))).to.equal(true);
    expect(files.some((f) => f.endsWith('.json'))).to.equal(true);
  });

  for (const file of files) {
    it(`validates ${file}`, () => {
      expect(validateFile(path.join(FIXTURES, file))).to.deep.equal([]);
    });
  }

  it('between them use every action the issue names, Selector outputs and And/Or/Not', () => {
    const steps = files.flatMap((f) => allSteps(readDocumentFile(path.join(FIXTURES, f)).doc.mainSteps as Step[]));
    const actions = new Set(steps.map((s) => s.action));
    for (const a of [
      'aws:executeAwsApi',
      'aws:assertAwsResourceProperty',
      'aws:waitForAwsResourceProperty',
      'aws:branch',
      'aws:sleep',
      'aws:approve',
      'aws:pause',
      'aws:executeAutomation',
      'aws:loop',
      'aws:updateVariable',
      'aws:invokeLambdaFunction',
      'aws:executeScript',
    ]) {
      expect(actions, a).to.include(a);
    }
    expect(steps.some((s) => s.action === 'aws:executeAwsApi' && s.outputs?.some((o) => o.Selector.startsWith('$.')))).to.equal(true);
    const branchText = JSON.stringify(steps.filter((s) => s.action === 'aws:branch'));
    for (const op of ['"And"', '"Or"', '"Not"']) expect(branchText).to.include(op);
  });
});
