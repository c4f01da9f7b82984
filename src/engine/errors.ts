/**
 * Errors of the local engine. `EngineInputError` is a mistake in what the engine was given (the
 * document, a parameter, a child document name): nothing ran, the CLI exits 2. `StepError` fails
 * one step; the automation then follows the step's onFailure.
 */

export type EngineInputCode = 'InvalidParameter' | 'InvalidDocument' | 'UnknownDocument';

export class EngineInputError extends Error {
  constructor(
    readonly code: EngineInputCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineInputError';
  }
}

export class StepError extends Error {
  constructor(
    message: string,
    readonly code = 'StepFailed',
  ) {
    super(message);
    this.name = 'StepError';
  }
}
