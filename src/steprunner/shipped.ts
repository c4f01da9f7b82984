import { compileAll } from '../compiler';
import { type StepHandlers, stepHandlersOf } from './steps';

/**
 * The script steps of every shipped document. Run from the sources, this compiles the runbooks;
 * in the step-runner Lambda bundle this module is replaced by the same table read from the
 * documents the build wrote (src/compiler/bundle.ts), so the Lambda's cold start compiles nothing.
 */
export function shippedSteps(): StepHandlers {
  return stepHandlersOf(compileAll());
}
