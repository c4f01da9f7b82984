/** The local automation engine (DESIGN.md, "Local mode"). */
export { type Clock, Interrupt, RealClock, Signal, VirtualClock } from './clock';
export { type CompiledDocument, compileDocument } from './compile';
export {
  AutomationController,
  type AutomationResult,
  type DocumentResolver,
  type RunOptions,
  type RunnableDocument,
  runAutomation,
} from './engine';
export { EngineInputError, StepError } from './errors';
export { checkParameters } from './parameters';
export { allCalls, type CallRecord, type ExecutionRecord, type ExecutionStatus, type StepExecutionRecord, stepsNamed } from './record';
