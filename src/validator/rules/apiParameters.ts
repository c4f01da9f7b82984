import type { DocumentParameter } from '../../model/document';
import { API_ACTIONS } from '../actions';
import { jsonPath, problem, type ValidationProblem } from '../problems';
import { findReferences } from '../references';
import { stepReferences } from './references';
import type { Rule } from './rule';

function unconstrainedText(p: DocumentParameter | undefined): boolean {
  return (p?.type === 'String' || p?.type === 'StringList') && p.allowedPattern === undefined && p.allowedValues === undefined;
}

/**
 * A String or StringList parameter whose value reaches an AWS API (an API action's inputs at any
 * depth, or the role in assumeRole) must be constrained by allowedPattern or allowedValues, so a
 * caller cannot slip an unexpected value into the call.
 */
export const apiParametersAreConstrained: Rule = {
  id: 'api-parameters-constrained',
  scope: 'document',
  publishing: true,
  check({ doc, steps }) {
    const firstUse = new Map<string, string>();
    const note = (name: string, where: string) => {
      if (unconstrainedText(doc.parameters?.[name]) && !firstUse.has(name)) firstUse.set(name, where);
    };
    for (const { ref, path } of findReferences(doc.assumeRole, ['assumeRole'])) {
      if (ref.kind === 'parameter') note(ref.name, `assumeRole (${jsonPath(path)})`);
    }
    for (const node of steps) {
      if (!API_ACTIONS.has(node.step.action)) continue;
      for (const { ref, path } of stepReferences(node)) {
        if (ref.kind === 'parameter') note(ref.name, `an input of ${node.step.action} (${jsonPath(path)})`);
      }
    }
    const out: ValidationProblem[] = [];
    for (const [name, where] of firstUse) {
      const type = doc.parameters![name].type;
      out.push(
        problem(['parameters', name], `${type} parameter "${name}" reaches ${where} but has neither allowedPattern nor allowedValues`),
      );
    }
    return out;
  },
};
