import type { ScriptContext } from '../../src/model/handlers';

/** Another actor's turn: run `act` to completion just before the `nth` call of `before` (an operation name). */
export interface Turn {
  before: string;
  nth: number;
  act: () => Promise<void>;
}

/**
 * The same context, but the run using it pauses before the given calls while other actors (other
 * runbooks' handlers, a person) act on the same resources: one interleaving of runs that in AWS
 * overlap in time, made deterministic.
 */
export function interleave(ctx: ScriptContext, turns: readonly Turn[]): ScriptContext {
  const counts = new Map<string, number>();
  const aws: ScriptContext['aws'] = async (service, operation, input, options) => {
    const n = (counts.get(operation) ?? 0) + 1;
    counts.set(operation, n);
    for (const t of turns) if (t.before === operation && t.nth === n) await t.act();
    return ctx.aws(service, operation, input, options);
  };
  return { ...ctx, aws };
}
