import type { AutomationDocument, DocumentStep } from '../model/document';
import { BUILT_IN_OUTPUTS } from './actions';
import { buildControlFlow, type ControlFlow } from './graph';
import type { PathSegments } from './problems';

/** A step wherever it sits (main list or a loop body), with the facts every rule needs. */
export interface StepNode {
  /** Position in document order, loop bodies right after their loop. */
  index: number;
  step: DocumentStep;
  path: PathSegments;
  /** The loop whose body holds this step, if any. */
  loop?: StepNode;
  /** Steps of the same list (main steps or one loop body), in order. */
  siblings: StepNode[];
  position: number;
  /** Steps of this step's own body when it is an aws:loop. */
  body: StepNode[];
}

/** What a rule may look at: the raw value, the file facts, and (once the schema passed) a typed view. */
export interface FileFacts {
  raw: unknown;
  /** The document name, when known (the file name without its extension). */
  name?: string;
  sizeBytes: number;
}

export interface DocumentFacts extends FileFacts {
  doc: AutomationDocument;
  steps: StepNode[];
  /** First step with each name (duplicates are a problem of their own). */
  byName: Map<string, StepNode>;
  flow: ControlFlow;
}

function collectSteps(list: DocumentStep[], at: PathSegments, loop: StepNode | undefined, into: StepNode[]): StepNode[] {
  const siblings: StepNode[] = [];
  list.forEach((step, position) => {
    const node: StepNode = { index: into.length, step, path: [...at, position], loop, siblings, position, body: [] };
    into.push(node);
    siblings.push(node);
    if (step.action === 'aws:loop' && Array.isArray(step.inputs?.Steps)) {
      node.body = collectSteps(step.inputs.Steps as DocumentStep[], [...node.path, 'inputs', 'Steps'], node, into);
    }
  });
  return siblings;
}

/** Builds the typed view of a document that already matches the schema. */
export function documentFacts(file: FileFacts): DocumentFacts {
  const doc = file.raw as AutomationDocument;
  const steps: StepNode[] = [];
  collectSteps(doc.mainSteps, ['mainSteps'], undefined, steps);
  const byName = new Map<string, StepNode>();
  for (const s of steps) if (!byName.has(s.step.name)) byName.set(s.step.name, s);
  return { ...file, doc, steps, byName, flow: buildControlFlow(steps, byName) };
}

/** Outputs a step has: declared under `outputs` plus those its action always produces. */
export function outputsOf(step: DocumentStep): string[] {
  return [...(step.outputs ?? []).map((o) => o.Name), ...(BUILT_IN_OUTPUTS[step.action] ?? [])];
}

/** True when `node` sits somewhere inside the body of `loop` (at any depth). */
export function isInside(node: StepNode, loop: StepNode): boolean {
  for (let l = node.loop; l; l = l.loop) if (l === loop) return true;
  return false;
}
