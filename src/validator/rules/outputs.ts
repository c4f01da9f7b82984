import { LOOP_OUTPUTS } from '../actions';
import { outputsOf } from '../context';
import { problem } from '../problems';
import type { Rule } from './rule';

/** Each document output is `Step.Output` naming a real step and an output that step has. */
export const documentOutputsNameStepOutputs: Rule = {
  id: 'document-outputs',
  scope: 'document',
  check({ doc, byName }) {
    return (doc.outputs ?? []).flatMap((entry, i) => {
      const at = ['outputs', i];
      const m = /^([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$/.exec(entry);
      if (!m) return [problem(at, `"${entry}" must have the form Step.Output`)];
      const [, stepName, output] = m;
      const source = byName.get(stepName);
      if (!source) return [problem(at, `"${entry}": no step named "${stepName}"`)];
      if (source.step.action === 'aws:loop' && LOOP_OUTPUTS.includes(output)) {
        return [problem(at, `"${entry}": ${output} exists only inside the loop's body`)];
      }
      const has = outputsOf(source.step);
      if (!has.includes(output)) {
        const hint = has.length ? `it has: ${has.join(', ')}` : 'it declares no outputs';
        return [problem(at, `"${entry}": step "${stepName}" has no output "${output}" (${hint})`)];
      }
      return [];
    });
  },
};
