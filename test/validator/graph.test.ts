import { expect } from 'chai';
import { documentFacts } from '../../src/validator/context';
import { automation, type Json, sleepStep, step } from './helpers';

function flowOf(steps: Json[]) {
  const facts = documentFacts({ raw: automation(steps), sizeBytes: 0 });
  const index = (name: string) => facts.byName.get(name)!.index;
  const successors = (name: string) => facts.flow.successors[index(name)].map((i) => facts.steps[i].step.name).sort();
  const canRunBefore = (a: string, b: string) => facts.flow.canRunBefore(index(a), index(b));
  return { facts, successors, canRunBefore };
}

describe('validator control-flow graph', () => {
  it('links steps in order, and stops at isEnd', () => {
    const { successors } = flowOf([sleepStep('A'), sleepStep('B', { isEnd: true }), sleepStep('C')]);
    expect(successors('A')).to.deep.equal(['B']);
    expect(successors('B')).to.deep.equal([]);
    expect(successors('C')).to.deep.equal([]);
  });

  it('follows nextStep instead of the next step in order', () => {
    const { successors } = flowOf([sleepStep('A', { nextStep: 'C' }), sleepStep('B'), sleepStep('C')]);
    expect(successors('A')).to.deep.equal(['C']);
  });

  it('adds onFailure and onCancel jumps to the normal successor', () => {
    const { successors } = flowOf([
      sleepStep('A', { onFailure: 'step:C', onCancel: 'step:D' }),
      sleepStep('B'),
      sleepStep('C'),
      sleepStep('D'),
    ]);
    expect(successors('A')).to.deep.equal(['B', 'C', 'D']);
  });

  it('sends a branch to every choice and its Default, not to the next step', () => {
    const choose = step('Choose', 'aws:branch', {
      Choices: [
        { NextStep: 'C', Variable: '{{ global:REGION }}', StringEquals: 'x' },
        { NextStep: 'D', Variable: '{{ global:REGION }}', StringEquals: 'y' },
      ],
      Default: 'E',
    });
    const { successors } = flowOf([choose, sleepStep('B'), sleepStep('C'), sleepStep('D'), sleepStep('E')]);
    expect(successors('Choose')).to.deep.equal(['C', 'D', 'E']);
  });

  it('enters a loop body, returns to the loop after its last step, and leaves the loop after it', () => {
    const loop = step('Each', 'aws:loop', { Iterators: ['a'], Steps: [sleepStep('In1'), sleepStep('In2')] });
    const { successors, canRunBefore } = flowOf([loop, sleepStep('After')]);
    expect(successors('Each')).to.deep.equal(['After', 'In1']);
    expect(successors('In1')).to.deep.equal(['In2']);
    expect(successors('In2')).to.deep.equal(['Each']);
    // a later iteration runs In1 after In2 ran in an earlier one
    expect(canRunBefore('In2', 'In1')).to.equal(true);
    expect(canRunBefore('In2', 'After')).to.equal(true);
    expect(canRunBefore('After', 'In1')).to.equal(false);
  });

  it('says a step cannot run before itself unless it sits on a cycle', () => {
    const { canRunBefore } = flowOf([sleepStep('A'), sleepStep('B')]);
    expect(canRunBefore('A', 'A')).to.equal(false);
    expect(canRunBefore('A', 'B')).to.equal(true);
    expect(canRunBefore('B', 'A')).to.equal(false);
  });

  it('leaves out jumps to steps that do not exist', () => {
    const { successors } = flowOf([sleepStep('A', { nextStep: 'Nowhere', onFailure: 'step:Gone' })]);
    expect(successors('A')).to.deep.equal([]);
  });

  it('knows which steps the first step reaches', () => {
    const { facts } = flowOf([sleepStep('A', { isEnd: true }), sleepStep('B')]);
    expect([...facts.flow.reachable]).to.deep.equal([0]);
  });
});
