import { STEP_NAME_PATTERN } from '../../model/document';
import { jumpTarget } from '../graph';
import { jsonPath, problem, type ValidationProblem } from '../problems';
import type { Rule } from './rule';

/** No two steps (loop bodies included) share a name. */
export const stepNamesAreUnique: Rule = {
  id: 'step-names-unique',
  scope: 'document',
  check({ steps, byName }) {
    return steps
      .filter((s) => byName.get(s.step.name) !== s)
      .map((s) => problem([...s.path, 'name'], `step name "${s.step.name}" is already used by ${jsonPath(byName.get(s.step.name)!.path)}`));
  },
};

/** Step names are letters, digits and underscores only. */
export const stepNamesUseAllowedCharacters: Rule = {
  id: 'step-name-characters',
  scope: 'document',
  check({ steps }) {
    return steps
      .filter((s) => !STEP_NAME_PATTERN.test(s.step.name))
      .map((s) => problem([...s.path, 'name'], `step name "${s.step.name}" may contain only letters, digits and _`));
  },
};

/** Every nextStep, onFailure/onCancel step:X, branch NextStep and Default names a step that exists. */
export const jumpTargetsExist: Rule = {
  id: 'jump-targets-exist',
  scope: 'document',
  check({ steps, byName }) {
    const out: ValidationProblem[] = [];
    const expect = (name: string | undefined, path: Array<string | number>, what: string) => {
      if (name !== undefined && !byName.has(name)) out.push(problem(path, `${what} names step "${name}", which does not exist`));
    };
    for (const { step, path } of steps) {
      expect(step.nextStep, [...path, 'nextStep'], 'nextStep');
      expect(jumpTarget(step.onFailure), [...path, 'onFailure'], 'onFailure');
      expect(jumpTarget(step.onCancel), [...path, 'onCancel'], 'onCancel');
      if (step.action === 'aws:branch') {
        const inputs = step.inputs as { Choices: Array<{ NextStep: string }>; Default?: string };
        inputs.Choices.forEach((c, i) => {
          expect(c.NextStep, [...path, 'inputs', 'Choices', i, 'NextStep'], 'choice');
        });
        expect(inputs.Default, [...path, 'inputs', 'Default'], 'Default');
      }
    }
    return out;
  },
};

/** Every step can run: some path of the control-flow graph leads to it from the first step. */
export const everyStepIsReachable: Rule = {
  id: 'no-unreachable-steps',
  scope: 'document',
  // SSM accepts such a document and never runs the step
  warnWhenRunning: true,
  check({ steps, flow }) {
    return steps
      .filter((s) => !flow.reachable.has(s.index) && (s.loop === undefined || flow.reachable.has(s.loop.index)))
      .map((s) =>
        problem(
          s.path,
          `step "${s.step.name}" can never run: no path from the first step leads to it (check nextStep, isEnd and branch targets)`,
        ),
      );
  },
};
