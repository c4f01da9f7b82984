import { LOOP_OUTPUTS, SYSTEM_VARIABLES } from '../actions';
import { type DocumentFacts, isInside, outputsOf, type StepNode } from '../context';
import { type PathSegments, problem, type ValidationProblem } from '../problems';
import { type FoundReference, findReferences } from '../references';
import type { Rule } from './rule';

/** The references inside a step's inputs; a loop's own body steps are checked as steps of their own. */
export function stepReferences(node: StepNode): FoundReference[] {
  const inputsPath = [...node.path, 'inputs'];
  const bodyPath = node.step.action === 'aws:loop' ? [...inputsPath, 'Steps'] : undefined;
  return findReferences(node.step.inputs, inputsPath, (p) => bodyPath !== undefined && samePath(p, bodyPath));
}

function samePath(a: PathSegments, b: PathSegments): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function describeOutputs(node: StepNode): string {
  const names = outputsOf(node.step);
  return names.length ? `it has: ${names.join(', ')}` : 'it declares no outputs';
}

/** Why `found` cannot be resolved inside step `node`, or undefined when it can. */
function unresolved(found: FoundReference, node: StepNode, facts: DocumentFacts): string | undefined {
  const { ref, text } = found;
  const { doc, byName, flow } = facts;
  switch (ref.kind) {
    case 'ssm':
      return undefined; // a rule of its own: allowed only in parameter defaults
    case 'system':
      return SYSTEM_VARIABLES.has(ref.name)
        ? undefined
        : `${text}: "${ref.name}" is not a documented system variable (known: ${[...SYSTEM_VARIABLES].join(', ')})`;
    case 'variable':
      return doc.variables?.[ref.name] ? undefined : `${text}: no variable "${ref.name}" is declared under variables`;
    case 'parameter':
      if (doc.parameters?.[ref.name]) return undefined;
      if (byName.has(ref.name))
        return `${text}: "${ref.name}" is a step, not a parameter; reference one of its outputs as ${ref.name}.<Output>`;
      return `${text}: no parameter "${ref.name}" is declared under parameters`;
    case 'output': {
      const source = byName.get(ref.step);
      if (!source) return `${text}: no step named "${ref.step}"`;
      if (source.step.action === 'aws:loop' && LOOP_OUTPUTS.includes(ref.output)) {
        return node === source || isInside(node, source)
          ? undefined
          : `${text}: ${ref.output} of loop "${ref.step}" is available only to the steps inside that loop`;
      }
      if (!outputsOf(source.step).includes(ref.output))
        return `${text}: step "${ref.step}" has no output "${ref.output}" (${describeOutputs(source)})`;
      if (!flow.canRunBefore(source.index, node.index)) {
        return `${text}: step "${ref.step}" cannot run before step "${node.step.name}", so its output has no value here`;
      }
      return undefined;
    }
    case 'unknown':
      return `${text} is not a reference SSM understands (a parameter, Step.Output, variable:NAME or a global:/automation: name)`;
  }
}

/** Every `{{ }}` in step inputs names something that has a value when the step runs. */
export const referencesResolve: Rule = {
  id: 'references-resolve',
  scope: 'document',
  check(facts) {
    const out: ValidationProblem[] = [];
    for (const node of facts.steps) {
      for (const found of stepReferences(node)) {
        const why = unresolved(found, node, facts);
        if (why) out.push(problem(found.path, why));
      }
    }
    return out;
  },
};

/** The top-level assumeRole can use only parameters and system variables: no step has run yet. */
export const assumeRoleReferencesResolve: Rule = {
  id: 'assume-role-references',
  scope: 'document',
  check({ doc }) {
    const out: ValidationProblem[] = [];
    for (const { ref, text, path } of findReferences(doc.assumeRole, ['assumeRole'])) {
      if (ref.kind === 'parameter' && doc.parameters?.[ref.name]) continue;
      if (ref.kind === 'system' && SYSTEM_VARIABLES.has(ref.name)) continue;
      out.push(problem(path, `${text}: assumeRole can use only a parameter or a system variable`));
    }
    return out;
  },
};

/** `{{ssm:...}}` (a Parameter Store lookup) is resolved only in parameter defaults. */
export const ssmParametersOnlyInDefaults: Rule = {
  id: 'ssm-only-in-defaults',
  scope: 'document',
  check({ doc }) {
    const isDefault = (p: PathSegments) => p.length === 3 && p[0] === 'parameters' && p[2] === 'default';
    return findReferences(doc, [], isDefault)
      .filter((f) => f.ref.kind === 'ssm')
      .map((f) => problem(f.path, `${f.text}: Parameter Store references ({{ssm:...}}) are allowed only in parameter defaults`));
  },
};

/** aws:updateVariable names a variable declared under variables. */
export const updatedVariablesAreDeclared: Rule = {
  id: 'updated-variables-declared',
  scope: 'document',
  check({ doc, steps }) {
    return steps
      .filter((s) => s.step.action === 'aws:updateVariable')
      .flatMap((s) => {
        const name = String(s.step.inputs?.Name).slice('variable:'.length);
        return doc.variables?.[name] ? [] : [problem([...s.path, 'inputs', 'Name'], `no variable "${name}" is declared under variables`)];
      });
  },
};
