import type { StepNode } from './context';

/**
 * The control-flow graph of an automation: which step can run right after which.
 * Edges: the next step in order (a loop body's last step goes back to its loop), nextStep,
 * isEnd, onFailure step:X, onCancel step:X, branch Choices / Default, and a loop's entry into its
 * body. Jumps to steps that do not exist are left out (a rule of their own reports them).
 */
export interface ControlFlow {
  successors: number[][];
  /** Steps a run can reach from the first main step. */
  reachable: Set<number>;
  /** True when `before` can run earlier than `after` in some execution. */
  canRunBefore(before: number, after: number): boolean;
}

/** `step:Name` → `Name`; anything else (Abort, Continue, absent) → undefined. */
export function jumpTarget(value: string | undefined): string | undefined {
  return value?.startsWith('step:') ? value.slice('step:'.length) : undefined;
}

function sequentialNext(node: StepNode): StepNode | undefined {
  return node.siblings[node.position + 1] ?? node.loop;
}

function successorsOf(node: StepNode, byName: Map<string, StepNode>): number[] {
  const out = new Set<number>();
  const add = (name: string | undefined) => {
    const target = name === undefined ? undefined : byName.get(name);
    if (target) out.add(target.index);
  };
  const { step } = node;
  const fallThrough = () => {
    if (step.nextStep !== undefined) add(step.nextStep);
    else if (!step.isEnd) {
      const next = sequentialNext(node);
      if (next) out.add(next.index);
    }
  };
  if (step.action === 'aws:loop' && node.body.length > 0) out.add(node.body[0].index);
  if (step.action === 'aws:branch') {
    const inputs = step.inputs as { Choices: Array<{ NextStep: string }>; Default?: string };
    for (const c of inputs.Choices) add(c.NextStep);
    if (inputs.Default !== undefined) add(inputs.Default);
    else fallThrough();
  } else fallThrough();
  add(jumpTarget(step.onFailure));
  add(jumpTarget(step.onCancel));
  return [...out];
}

function reachableFrom(starts: number[], successors: number[][]): Set<number> {
  const seen = new Set<number>();
  const stack = [...starts];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...successors[n]);
  }
  return seen;
}

export function buildControlFlow(steps: StepNode[], byName: Map<string, StepNode>): ControlFlow {
  const successors = steps.map((s) => successorsOf(s, byName));
  const reachable = steps.length ? reachableFrom([0], successors) : new Set<number>();
  const after = new Map<number, Set<number>>();
  return {
    successors,
    reachable,
    canRunBefore(before, later) {
      let set = after.get(before);
      if (!set) {
        set = reachableFrom(successors[before], successors);
        after.set(before, set);
      }
      return set.has(later);
    },
  };
}
